// The API's pure parts: request parsing, the security checks, model names.
#include <gtest/gtest.h>

#include <set>

#include "pipeline/request_validation.h"
#include "service/api_error.h"
#include "service/api_job_watch.h"
#include "service/api_model_names.h"
#include "service/api_request.h"
#include "service/api_security.h"
#include "service/api_stream_events.h"
#include "service/http_syntax.h"
#include "service/multipart_form.h"

namespace fd::test {
namespace {

using namespace fd::api;

ModelInfo schnell() {
  ModelInfo info;
  info.name = "FLUX.1-schnell";
  info.id = "black-forest-labs/FLUX.1-schnell";
  info.defaultSteps = 4;
  info.maxSteps = 4;
  return info;
}

TEST(ApiRequest, ReadsEveryFieldWithDefaults) {
  auto parsed = parseImageRequest(R"({"prompt": "a fox"})", schnell(), true);
  ASSERT_TRUE(parsed.ok()) << parsed.error.message;
  const ImageRequest& r = *parsed.request;
  EXPECT_EQ(r.generation.prompt, "a fox");
  EXPECT_EQ(r.generation.width, 1024);
  EXPECT_EQ(r.generation.height, 1024);
  EXPECT_EQ(r.generation.count, 1);
  EXPECT_FALSE(r.generation.seed.has_value());
  EXPECT_EQ(r.generation.steps, 0);
  EXPECT_EQ(r.outputFormat, ImageFormat::Jpeg);
  EXPECT_TRUE(r.ignoredFields.empty());

  parsed =
      parseImageRequest(R"({"prompt": "x", "n": 3, "size": "512x768", "seed": 18446744073709551615,
      "num_inference_steps": 2, "output_format": "png", "output_compression": 0, "quality": "hd",
      "style": "vivid", "user": "bob", "model": "FLUX-1-schnell", "response_format": "b64_json",
      "background": "auto", "moderation": "low"})",
                        schnell(), true);
  ASSERT_TRUE(parsed.ok()) << parsed.error.message;
  const ImageRequest& full = *parsed.request;
  EXPECT_EQ(full.generation.count, 3);
  EXPECT_EQ(full.generation.width, 512);
  EXPECT_EQ(full.generation.height, 768);
  EXPECT_EQ(full.generation.seed, 18446744073709551615ull);
  EXPECT_EQ(full.generation.steps, 2);
  EXPECT_EQ(full.outputFormat, ImageFormat::Png);
  EXPECT_EQ(full.compression, 0);
  EXPECT_EQ(full.quality, "hd");
  EXPECT_EQ(full.style, "vivid");
  EXPECT_EQ(full.user, "bob");
  EXPECT_EQ(full.background, "auto");
  EXPECT_EQ(full.moderation, "low");
  EXPECT_TRUE(full.ignoredFields.empty());
  EXPECT_FALSE(full.stream);

  parsed = parseImageRequest(
      R"({"prompt": "x", "stream": true, "partial_images": 3, "output_format": "webp",
      "background": "opaque", "user": "bob", "safety_identifier": "h4sh", "frame_count": 2})",
      schnell(), true);
  ASSERT_TRUE(parsed.ok()) << parsed.error.message;
  EXPECT_TRUE(parsed.request->stream);
  EXPECT_EQ(parsed.request->partialImages, 3);
  EXPECT_EQ(parsed.request->outputFormat, ImageFormat::Webp);
  EXPECT_EQ(parsed.request->background, "opaque");
  EXPECT_EQ(parsed.request->user, "h4sh");  // safety_identifier wins, as at OpenAI
  EXPECT_EQ(parsed.request->ignoredFields, (std::vector<std::string>{"frame_count"}));
}

TEST(ApiRequest, NullMeansNotGivenAndMinusOneSeedMeansRandom) {
  auto parsed =
      parseImageRequest(R"({"prompt": "x", "n": null, "size": null, "seed": -1, "steps": 4.0,
                                      "output_format": "JPG"})",
                        schnell(), true);
  ASSERT_TRUE(parsed.ok()) << parsed.error.message;
  EXPECT_EQ(parsed.request->generation.count, 1);
  EXPECT_FALSE(parsed.request->generation.seed.has_value());
  EXPECT_EQ(parsed.request->generation.steps, 4);
  auto autoSize = parseImageRequest(R"({"prompt": "x", "size": "auto"})", schnell(), true);
  ASSERT_TRUE(autoSize.ok());
  EXPECT_EQ(autoSize.request->generation.width, 1024);
}

TEST(ApiRequest, StepLimitComesFromTheModel) {
  ModelInfo dev = schnell();
  dev.maxSteps = 50;
  dev.guidanceDistilled = true;
  dev.id = "black-forest-labs/FLUX.1-dev";
  EXPECT_TRUE(parseImageRequest(R"({"prompt": "x", "steps": 28})", dev, true).ok());
  auto tooMany = parseImageRequest(R"({"prompt": "x", "steps": 28})", schnell(), true);
  ASSERT_FALSE(tooMany.ok());
  EXPECT_EQ(tooMany.error.param, "steps");
  EXPECT_NE(tooMany.error.message.find("1 to 4"), std::string::npos);
}

TEST(ApiRequest, PromptLimitCountsCharactersNotBytes) {
  const int limit = kRequestLimits.maxPromptCodePoints;
  std::string accented;
  for (int i = 0; i < limit; ++i) accented += "\xc3\xa9";  // two bytes, one character
  EXPECT_TRUE(parseImageRequest("{\"prompt\": \"" + accented + "\"}", schnell(), true).ok());
  auto tooLong = parseImageRequest("{\"prompt\": \"" + std::string(size_t(limit) + 1, 'a') + "\"}",
                                   schnell(), true);
  ASSERT_FALSE(tooLong.ok());
  EXPECT_EQ(tooLong.error.param, "prompt");
  EXPECT_EQ(tooLong.error.code, "string_above_max_length");
}

// The API reports the engine validator's rules under its own field names.
TEST(ApiRequest, RulesAreTheEngineValidatorsUnderApiNames) {
  struct Case {
    const char* body;
    const char* param;
    const char* message;
  };
  for (const Case& c : {
           Case{R"({"prompt": "x", "n": 5})", "n", "n 5 is outside 1..4 images per request"},
           Case{R"({"prompt": "x", "n": 0})", "n", "n 0 is outside 1..4 images per request"},
           Case{R"({"prompt": "x", "size": "1000x512"})", "size",
                "size 1000x512 is not supported: width 1000 is not a multiple of 16 (nearest: 992 "
                "or 1008)"},
           Case{R"({"prompt": "x", "size": "512x4096"})", "size",
                "size 512x4096 is not supported: height 4096 is outside 256..2048 pixels"},
           Case{R"({"prompt": "  "})", "prompt",
                "the prompt is empty: describe the image to generate"},
           Case{R"({"prompt": "a\u0000b"})", "prompt", "the prompt contains a NUL character"},
           Case{R"({"prompt": "x", "background": "transparent"})", "background", nullptr},
           Case{R"({"prompt": "x", "output_format": "svg"})", "output_format", nullptr},
           Case{R"({"prompt": "x", "partial_images": 4})", "partial_images", nullptr},
           Case{R"({"prompt": "x", "stream": "yes"})", "stream", nullptr},
           Case{R"({"prompt": "x", "moderation": "none"})", "moderation", nullptr},
       }) {
    auto parsed = parseImageRequest(c.body, schnell(), true);
    ASSERT_FALSE(parsed.ok()) << c.body;
    EXPECT_EQ(parsed.error.status, 400) << c.body;
    EXPECT_EQ(parsed.error.param, c.param) << c.body;
    if (c.message) {
      EXPECT_EQ(parsed.error.message, c.message) << c.body;
    }
  }
  GenerationRequest direct;
  direct.prompt = "x";
  direct.count = 5;
  auto problem = findRequestProblem(direct, schnell());
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->field, RequestField::Count);
  EXPECT_EQ(problem->message, "count 5 is outside 1..4 images per request");
}

TEST(ApiStream, PartialImagesComeFromEvenlySpreadStepsBeforeTheLast) {
  using Steps = std::vector<int>;
  EXPECT_EQ(partialImageSteps(4, 0), Steps{});
  EXPECT_EQ(partialImageSteps(4, 1), Steps{2});
  EXPECT_EQ(partialImageSteps(4, 2), (Steps{1, 3}));
  EXPECT_EQ(partialImageSteps(4, 3), (Steps{1, 2, 3}));
  EXPECT_EQ(partialImageSteps(1, 3), Steps{});  // the only step makes the final image
  EXPECT_EQ(partialImageSteps(2, 3), Steps{1});
  EXPECT_EQ(partialImageSteps(28, 3), (Steps{7, 14, 21}));
}

TEST(ApiStream, EventsAreServerSentEventsWithOpenAisFields) {
  StreamedImage image;
  image.b64 = "QUJD";
  image.width = 512;
  image.height = 256;
  image.outputFormat = "webp";
  image.quality = "high";
  image.createdAt = 1700000000;
  image.imageIndex = 1;
  const std::string partial = partialImageEvent(image, 2);
  ASSERT_EQ(partial.rfind("event: image_generation.partial_image\ndata: ", 0), 0u) << partial;
  ASSERT_EQ(partial.substr(partial.size() - 2), "\n\n");
  const auto data = nlohmann::json::parse(partial.substr(partial.find("data: ") + 6));
  EXPECT_EQ(data["type"], "image_generation.partial_image");
  EXPECT_EQ(data["partial_image_index"], 2);
  EXPECT_EQ(data["image_index"], 1);
  EXPECT_EQ(data["size"], "512x256");
  EXPECT_EQ(data["background"], "opaque");
  EXPECT_EQ(data["output_format"], "webp");
  EXPECT_EQ(data["created_at"], 1700000000);
  const std::string done = completedEvent(image, 9, 12, 512);
  const auto completed = nlohmann::json::parse(done.substr(done.find("data: ") + 6));
  EXPECT_EQ(completed["type"], "image_generation.completed");
  EXPECT_EQ(completed["usage"]["total_tokens"], 524);
  EXPECT_EQ(completed["seed"], 9);
  EXPECT_FALSE(completed.contains("partial_image_index"));
  const std::string error = errorEvent(badField("size", "bad size"));
  ASSERT_EQ(error.rfind("event: error\ndata: ", 0), 0u);
  const auto body = nlohmann::json::parse(error.substr(error.find("data: ") + 6));
  EXPECT_EQ(body["error"]["param"], "size");
  EXPECT_EQ(keepAliveComment()[0], ':');
}

TEST(HttpSyntax, AbsoluteTargetsSplitIntoAuthorityAndPath) {
  using Split = std::pair<std::string, std::string>;
  EXPECT_EQ(http::splitAbsoluteTarget("http://127.0.0.1:8000/v1/models?x=1"),
            (Split{"127.0.0.1:8000", "/v1/models?x=1"}));
  EXPECT_EQ(http::splitAbsoluteTarget("HTTP://localhost"), (Split{"localhost", "/"}));
  EXPECT_EQ(http::splitAbsoluteTarget("http://[::1]:80?q"), (Split{"[::1]:80", "/?q"}));
  EXPECT_FALSE(http::splitAbsoluteTarget("ftp://host/x"));
  EXPECT_FALSE(http::splitAbsoluteTarget("http://user@host/x"));
  EXPECT_FALSE(http::splitAbsoluteTarget("http:///x"));
  EXPECT_FALSE(http::splitAbsoluteTarget("/v1/models"));
  EXPECT_EQ(http::mediaType(" Application/JSON ; charset=utf-8"), "application/json");
}

TEST(MultipartForm, ReadsPartsAsPythonAndBrowsersSendThem) {
  EXPECT_EQ(http::formBoundary("multipart/form-data; boundary=abc123"),
            std::optional<std::string>("abc123"));
  EXPECT_EQ(http::formBoundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b:c\""),
            std::optional<std::string>("a b:c"));
  EXPECT_FALSE(http::formBoundary("multipart/form-data"));
  EXPECT_FALSE(http::formBoundary("application/json; boundary=x"));
  EXPECT_FALSE(http::formBoundary("multipart/form-data; boundary=" + std::string(71, 'a')));

  const std::string body =
      "preamble is ignored\r\n--XY\r\n"
      "Content-Disposition: form-data; name=\"prompt\"\r\n\r\na fox\r\n--XY\r\n"
      "content-disposition: form-data; name=\"image\"; filename=\"my \\\"best\\\".png\"\r\n"
      "Content-Type: image/png\r\n\r\n\x89PNG\r\n--X not the end\r\n--XY--\r\nepilogue";
  const http::ParsedForm form = http::parseMultipartForm(body, "XY");
  ASSERT_TRUE(form.ok()) << form.error;
  ASSERT_EQ(form.parts.size(), 2u);
  EXPECT_EQ(form.parts[0].name, "prompt");
  EXPECT_EQ(form.parts[0].data, "a fox");
  EXPECT_FALSE(form.parts[0].isFile);
  const http::FormPart* image = form.find("image");
  ASSERT_NE(image, nullptr);
  EXPECT_TRUE(image->isFile);
  EXPECT_EQ(image->filename, "my \"best\".png");
  EXPECT_EQ(image->contentType, "image/png");
  EXPECT_EQ(image->data,
            "\x89PNG\r\n--X not the end");  // binary data with CRLF and a near-boundary inside

  for (const std::string& broken : {
           std::string("--XY\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end"),
           std::string("--XY\r\nContent-Type: text/plain\r\n\r\nx\r\n--XY--"),
           std::string("--XY\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--XY--"),
           std::string("--XY\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XY--"),
           std::string("no boundary at all"),
       }) {
    EXPECT_FALSE(http::parseMultipartForm(broken, "XY").ok()) << broken;
  }
  std::string many;
  for (int i = 0; i < 70; ++i)
    many += "--XY\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n";
  EXPECT_FALSE(http::parseMultipartForm(many + "--XY--", "XY").ok());
}

TEST(ApiRequest, NestingIsMeasuredOutsideStrings) {
  EXPECT_EQ(jsonNestingDepth(R"({"a": [1, {"b": 2}]})"), 3);
  EXPECT_EQ(jsonNestingDepth(R"({"a": "[[[[[[\"[[["})"), 1);
  EXPECT_FALSE(
      parseImageRequest(std::string(100, '[') + std::string(100, ']'), schnell(), true).ok());
}

TEST(ApiModelNames, AcceptsTheFamilyAliasesOfTheLoadedModel) {
  ModelInfo info = schnell();
  for (const char* name : {"black-forest-labs/FLUX.1-schnell", "black-forest-labs/FLUX-1-schnell",
                           "flux-schnell", "FLUX.1-SCHNELL"}) {
    EXPECT_TRUE(isAcceptedModelName(name, info, true)) << name;
  }
  for (const char* name : {"black-forest-labs/FLUX.1-dev", "dall-e-3", "gpt-image-1", "", "flux"}) {
    EXPECT_FALSE(isAcceptedModelName(name, info, true)) << name;
  }
  ModelInfo demo;
  demo.name = "FluxDesk demo";
  demo.id = "fluxdesk-demo";
  demo.randomWeights = true;
  demo.ownedBy = "fluxdesk";
  EXPECT_TRUE(isAcceptedModelName("fluxdesk-demo", demo, true));
  EXPECT_TRUE(isAcceptedModelName("black-forest-labs/FLUX-1-schnell", demo, true));
  EXPECT_EQ(apiModelId(demo), "fluxdesk-demo");
  // Before loading, both families are accepted (the engine decides later).
  ModelInfo unknown;
  unknown.name = "my-weights";
  EXPECT_TRUE(isAcceptedModelName("flux-dev", unknown, false));
  EXPECT_TRUE(isAcceptedModelName("my-weights", unknown, false));
  EXPECT_EQ(apiModelId(unknown), "my-weights");
}

TEST(ApiSecurity, HostHeaderMustNameThisMachine) {
  const std::vector<std::string> none;
  for (const char* host : {"localhost:8000", "LocalHost:8000", "127.0.0.1:8000", "127.1.2.3:8000",
                           "[::1]:8000", "localhost", "127.0.0.1"}) {
    EXPECT_TRUE(isAllowedHost(host, 8000, "127.0.0.1", none)) << host;
  }
  for (const char* host :
       {"", "evil.com", "evil.com:8000", "localhost:8001", "localhost.evil.com:8000",
        "127.0.0.1.evil.com:8000", "128.0.0.1:8000", "[::2]:8000", "localhost:", "localhost:80a",
        "[::1", "::1:8000", "256.0.0.1:8000", "0.0.0.0:8000", "localhost:8000 ",
        "127.0.0.1:+8000"}) {
    EXPECT_FALSE(isAllowedHost(host, 8000, "127.0.0.1", none)) << host;
  }
  // Listed names, and IP literals when bound to every interface.
  EXPECT_TRUE(isAllowedHost("studio.lan:8000", 8000, "127.0.0.1", {"studio.lan"}));
  EXPECT_TRUE(isAllowedHost("192.168.1.20:8000", 8000, "0.0.0.0", none));
  EXPECT_FALSE(isAllowedHost("attacker.example:8000", 8000, "0.0.0.0", none));
  EXPECT_TRUE(isAllowedHost("10.0.0.5:8000", 8000, "10.0.0.5", none));
  EXPECT_FALSE(isAllowedHost("10.0.0.6:8000", 8000, "10.0.0.5", none));
  EXPECT_FALSE(isAllowedHost("192.168.1.20:8000", 8000, "127.0.0.1", none));
}

TEST(ApiSecurity, KeysAreReadFromEitherHeaderAndComparedExactly) {
  EXPECT_EQ(presentedApiKey("Bearer abc", ""), std::optional<std::string>("abc"));
  EXPECT_EQ(presentedApiKey("bearer  abc ", ""), std::optional<std::string>("abc"));
  EXPECT_EQ(presentedApiKey("", "xyz"), std::optional<std::string>("xyz"));
  EXPECT_EQ(presentedApiKey("Basic abc", ""), std::nullopt);
  EXPECT_EQ(presentedApiKey("", ""), std::nullopt);
  EXPECT_TRUE(constantTimeEquals("fd-key", "fd-key"));
  EXPECT_FALSE(constantTimeEquals("fd-key", "fd-kez"));
  EXPECT_FALSE(constantTimeEquals("fd-key", "fd-key2"));
  EXPECT_FALSE(constantTimeEquals("", "x"));
  std::set<std::string> keys;
  for (int i = 0; i < 50; ++i) {
    std::string key = generateApiKey();
    EXPECT_EQ(key.size(), 3u + 43u);
    EXPECT_EQ(key.rfind("fd-", 0), 0u);
    EXPECT_EQ(key.find_first_not_of(
                  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", 3),
              std::string::npos);
    keys.insert(key);
  }
  EXPECT_EQ(keys.size(), 50u);
}

TEST(ApiSecurity, OriginsMatchExactly) {
  EXPECT_TRUE(isAllowedOrigin("http://localhost:5173", {"http://localhost:5173"}));
  EXPECT_TRUE(isAllowedOrigin("HTTP://LOCALHOST:5173", {"http://localhost:5173/"}));
  EXPECT_FALSE(isAllowedOrigin("http://localhost:5174", {"http://localhost:5173"}));
  EXPECT_FALSE(isAllowedOrigin("http://localhost:5173.evil.com", {"http://localhost:5173"}));
  EXPECT_FALSE(isAllowedOrigin("null", {"http://localhost:5173"}));
  EXPECT_FALSE(isAllowedOrigin("http://a", {}));
  EXPECT_TRUE(isAllowedOrigin("https://anything", {"*"}));
  EXPECT_TRUE(isLoopbackBindAddress("127.0.0.1"));
  EXPECT_TRUE(isLoopbackBindAddress("::1"));
  EXPECT_FALSE(isLoopbackBindAddress("0.0.0.0"));
}

TEST(ApiError, BodiesHaveTheOpenAiShape) {
  ApiError error = badField("size", "size is wrong");
  EXPECT_EQ(
      errorBody(error),
      R"({"error":{"code":"invalid_value","message":"size is wrong","param":"size","type":"invalid_request_error"}})");
  ApiError generic = defaultErrorFor(404, "GET", "/x");
  EXPECT_EQ(generic.status, 404);
  EXPECT_NE(errorBody(generic).find("\"param\":null"), std::string::npos);
  // Engine errors: bad request -> 400 with a param, others -> 500/503.
  ApiError bad =
      fromEngineError(makeError(ErrorKind::BadRequest, "width must be a multiple of 16"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.param, "size");
  EXPECT_EQ(fromEngineError(makeError(ErrorKind::OutOfMemory, "oom")).status, 500);
  EXPECT_EQ(fromEngineError(makeError(ErrorKind::Cancelled, "stop")).status, 503);
  // Invalid UTF-8 in a message never throws.
  ApiError odd = badField("", std::string("bad \xff byte"));
  EXPECT_NO_THROW((void)errorBody(odd));
}

}  // namespace
}  // namespace fd::test
