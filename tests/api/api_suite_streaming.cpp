// The suite's streamed generations (`stream: true`): server-sent events
// read from the raw HTTP answer, checked event by event.
#include <gtest/gtest.h>

#include <sstream>

#include "api/api_suite.h"

namespace fd::test {

namespace {

using json = nlohmann::json;

struct SseEvent {
  std::string name;
  json data;
};

// The events of a text/event-stream body (comments skipped, as clients do).
std::vector<SseEvent> parseEvents(const std::string& body) {
  std::vector<SseEvent> events;
  std::istringstream in(body);
  std::string line, name, data;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (!name.empty() || !data.empty())
        events.push_back({name, json::parse(data, nullptr, false)});
      name.clear();
      data.clear();
    } else if (line[0] == ':') {
      continue;
    } else if (line.rfind("event: ", 0) == 0) {
      name = line.substr(7);
    } else if (line.rfind("data: ", 0) == 0) {
      data += line.substr(6);
    }
  }
  return events;
}

void expectImageEvent(const SseEvent& event, int width, int height, const std::string& format) {
  const json& d = event.data;
  ASSERT_TRUE(d.is_object()) << event.name;
  EXPECT_EQ(d.value("type", ""), event.name);
  EXPECT_EQ(d.value("size", ""), std::to_string(width) + "x" + std::to_string(height));
  EXPECT_EQ(d.value("output_format", ""), format);
  EXPECT_EQ(d.value("background", ""), "opaque");
  EXPECT_TRUE(d.contains("quality") && d["quality"].is_string());
  EXPECT_TRUE(d.contains("created_at") && d["created_at"].is_number_integer());
  std::string decodedFormat;
  auto image = decodeB64Image(d.value("b64_json", ""), &decodedFormat);
  ASSERT_TRUE(image.has_value()) << event.name << " does not carry a decodable image";
  EXPECT_EQ(decodedFormat, format);
  EXPECT_EQ(image->width, width);
  EXPECT_EQ(image->height, height);
}

}  // namespace

void expectStreamedGenerations(const ApiTarget& target, const ApiSuiteOptions& options) {
  const int side = options.smallSize;
  // Two images, two partial images each (4 steps: after steps 1 and 3).
  json body{{"prompt", "a paper boat"},
            {"size", std::to_string(side) + "x" + std::to_string(side)},
            {"n", 2},
            {"steps", 4},
            {"seed", 77},
            {"stream", true},
            {"partial_images", 2},
            {"output_format", "webp"}};
  ApiReply reply = postJson(target, "/v1/images/generations", body);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.header("Content-Type").rfind("text/event-stream", 0), 0u)
      << reply.header("Content-Type");
  EXPECT_FALSE(reply.hasHeader("Content-Length"));
  const std::vector<SseEvent> events = parseEvents(reply.body);
  std::vector<std::tuple<std::string, int, int>> seen;  // name, image_index, partial_image_index
  for (const SseEvent& event : events) {
    seen.emplace_back(event.name, event.data.value("image_index", -1),
                      event.data.value("partial_image_index", -1));
    expectImageEvent(event, side, side, "webp");
  }
  using E = std::tuple<std::string, int, int>;
  const std::string partial = "image_generation.partial_image",
                    completed = "image_generation.completed";
  EXPECT_EQ(seen, (std::vector<E>{E{partial, 0, 0}, E{partial, 1, 0}, E{partial, 0, 1},
                                  E{partial, 1, 1}, E{completed, 0, -1}, E{completed, 1, -1}}));
  if (events.size() == 6) {
    // Usage adds up to the request's: the prompt counted once.
    const json& first = events[4].data["usage"];
    const json& second = events[5].data["usage"];
    EXPECT_GT(first.value("input_tokens", 0), 0);
    EXPECT_EQ(second.value("input_tokens", -1), 0);
    EXPECT_EQ(first.value("output_tokens", 0), (side / 16) * (side / 16));
    EXPECT_EQ(second.value("total_tokens", 0), second.value("output_tokens", -1));
    EXPECT_EQ(events[4].data.value("seed", 0), 77);
    EXPECT_EQ(events[5].data.value("seed", 0), 78);
    // Different steps' previews differ.
    EXPECT_NE(events[0].data.value("b64_json", ""), events[2].data.value("b64_json", ""));
  }

  // Without partial images: the final image only, on the OpenAI path.
  body["n"] = 1;
  body["partial_images"] = 0;
  body["output_format"] = "png";
  reply = postJson(target, "/v1/openai/images/generations", body);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  const std::vector<SseEvent> single = parseEvents(reply.body);
  ASSERT_EQ(single.size(), 1u) << reply.body.substr(0, 300);
  EXPECT_EQ(single[0].name, completed);
  expectImageEvent(single[0], side, side, "png");

  // A request refused before the stream starts is a plain JSON error.
  body["size"] = "300x300";
  reply = postJson(target, "/v1/images/generations", body);
  EXPECT_EQ(reply.status, 400) << reply.describe();
  EXPECT_EQ(reply.json["error"].value("param", ""), "size");
}

}  // namespace fd::test
