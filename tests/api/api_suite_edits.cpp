// The suite's edits (POST /v1/images/edits, multipart/form-data as the SDKs
// send it): a picture and a mask in, images of the picture's size out; the
// form's own errors name their field.
#include <gtest/gtest.h>

#include "api/api_suite.h"
#include "pipeline/image_io.h"

namespace fd::test {

namespace {

using json = nlohmann::json;

const std::string kBoundary = "----fluxdesk-suite-7d1e";

struct FilePart {
  std::string name, filename, contentType;
  std::vector<uint8_t> data;
};

std::string formBody(const std::vector<std::pair<std::string, std::string>>& fields,
                     const std::vector<FilePart>& files) {
  std::string body;
  for (const auto& [name, value] : fields)
    body += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
            value + "\r\n";
  for (const FilePart& file : files) {
    body += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + file.name +
            "\"; filename=\"" + file.filename + "\"\r\nContent-Type: " + file.contentType +
            "\r\n\r\n";
    body.append(file.data.begin(), file.data.end());
    body += "\r\n";
  }
  return body + "--" + kBoundary + "--\r\n";
}

ApiReply postForm(const ApiTarget& target, const std::string& path, const std::string& body) {
  RequestOptions options;
  options.contentType = "multipart/form-data; boundary=" + kBoundary;
  return sendRequest(target, path, body, options);
}

// A smooth RGB picture, and a black-and-white mask (white: repaint).
std::vector<uint8_t> picturePng(int width, int height) {
  std::vector<uint8_t> rgb(size_t(width) * size_t(height) * 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c)
        rgb[(size_t(y) * size_t(width) + size_t(x)) * 3 + size_t(c)] =
            uint8_t((x + 2 * y + 60 * c) & 0xff);
  return encodePng(rgb.data(), width, height).value();
}

std::vector<uint8_t> maskPng(int width, int height) {
  std::vector<uint8_t> rgb(size_t(width) * size_t(height) * 3, 0);
  for (int y = height / 4; y < height * 3 / 4; ++y)
    for (int x = width / 4; x < width * 3 / 4; ++x)
      for (int c = 0; c < 3; ++c)
        rgb[(size_t(y) * size_t(width) + size_t(x)) * 3 + size_t(c)] = 255;
  return encodePng(rgb.data(), width, height).value();
}

}  // namespace

void expectEdits(const ApiTarget& target, const ApiSuiteOptions& options) {
  const int width = options.smallSize + 64, height = options.smallSize;
  const FilePart image{"image", "photo.png", "image/png", picturePng(width, height)};
  const FilePart mask{"mask", "mask.png", "image/png", maskPng(width, height)};
  const std::string steps = std::to_string(options.steps);

  // An edit with a mask: the picture's own size (no size sent), PNG out.
  ApiReply reply = postForm(
      target, "/v1/images/edits",
      formBody(
          {{"prompt", "a red door"}, {"output_format", "png"}, {"steps", steps}, {"seed", "31"}},
          {image, mask}));
  ASSERT_EQ(reply.status, 200) << reply.describe();
  ASSERT_TRUE(reply.json["data"].is_array() && reply.json["data"].size() == 1u) << reply.describe();
  EXPECT_EQ(reply.json.value("size", ""), std::to_string(width) + "x" + std::to_string(height));
  std::string format;
  auto decoded = decodeB64Image(reply.json["data"][0].value("b64_json", ""), &format);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(format, "png");
  EXPECT_EQ(decoded->width, width);
  EXPECT_EQ(decoded->height, height);
  EXPECT_EQ(reply.json["data"][0].value("seed", 0), 31);

  // Image-to-image with strength and a size, streamed, on the OpenAI path:
  // the events are image_edit.*.
  reply = postForm(target, "/v1/openai/images/edits",
                   formBody({{"prompt", "a blue door"},
                             {"size", std::to_string(options.smallSize) + "x" +
                                          std::to_string(options.smallSize)},
                             {"strength", "0.75"},
                             {"steps", "4"},
                             {"stream", "true"},
                             {"partial_images", "1"}},
                            {{"image[]", "photo.png", "image/png", image.data}}));
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_NE(reply.body.find("event: image_edit.partial_image\n"), std::string::npos)
      << reply.body.substr(0, 300);
  EXPECT_NE(reply.body.find("event: image_edit.completed\n"), std::string::npos);
  EXPECT_EQ(reply.body.find("image_generation."), std::string::npos);

  // The form's errors name their field.
  struct Case {
    const char* label;
    std::string body;
    int status;
    const char* param;
  };
  const std::vector<uint8_t> small = picturePng(64, 64);
  const std::vector<Case> cases = {
      {"no image", formBody({{"prompt", "x"}}, {}), 400, "image"},
      {"two images",
       formBody({{"prompt", "x"}}, {image, {"image", "b.png", "image/png", image.data}}), 400,
       "image"},
      {"a broken image",
       formBody({{"prompt", "x"}}, {{"image", "a.png", "image/png", {'n', 'o', 'p', 'e'}}}), 400,
       "image"},
      {"a mask of another size",
       formBody({{"prompt", "x"}}, {image, {"mask", "m.png", "image/png", small}}), 400, "mask"},
      {"a broken mask",
       formBody({{"prompt", "x"}}, {image, {"mask", "m.png", "image/png", {1, 2, 3}}}), 400,
       "mask"},
      {"strength 2", formBody({{"prompt", "x"}, {"strength", "2"}}, {image}), 400, "strength"},
      {"strength text", formBody({{"prompt", "x"}, {"strength", "much"}}, {image}), 400,
       "strength"},
      {"n text", formBody({{"prompt", "x"}, {"n", "two"}}, {image}), 400, "n"},
      {"no prompt", formBody({}, {image}), 400, "prompt"},
      {"a field twice", formBody({{"prompt", "x"}, {"prompt", "y"}}, {image}), 400, "prompt"},
      {"no closing boundary",
       "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nx", 400,
       nullptr},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    ApiReply bad = postForm(target, "/v1/images/edits", c.body);
    EXPECT_EQ(bad.status, c.status) << bad.describe();
    ASSERT_TRUE(bad.json.contains("error")) << bad.describe();
    if (c.param) {
      EXPECT_EQ(bad.json["error"].value("param", ""), c.param) << bad.describe();
    }
  }
}

}  // namespace fd::test
