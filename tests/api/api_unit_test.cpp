// The API's pure parts: request parsing, the security checks, model names.
#include <gtest/gtest.h>

#include <set>

#include "service/api_error.h"
#include "service/api_model_names.h"
#include "service/api_request.h"
#include "service/api_security.h"

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

  parsed = parseImageRequest(R"({"prompt": "x", "n": 3, "size": "512x768", "seed": 18446744073709551615,
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
  EXPECT_EQ(full.jpegQuality, 1);
  EXPECT_EQ(full.quality, "hd");
  EXPECT_EQ(full.style, "vivid");
  EXPECT_EQ(full.user, "bob");
  EXPECT_EQ(full.ignoredFields, (std::vector<std::string>{"background", "moderation"}));
}

TEST(ApiRequest, NullMeansNotGivenAndMinusOneSeedMeansRandom) {
  auto parsed = parseImageRequest(R"({"prompt": "x", "n": null, "size": null, "seed": -1, "steps": 4.0,
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
  RequestLimits limits;
  limits.maxPromptChars = 3;
  EXPECT_TRUE(parseImageRequest("{\"prompt\": \"\xc3\xa9\xc3\xa9\xc3\xa9\"}", schnell(), true, limits).ok());
  auto tooLong = parseImageRequest(R"({"prompt": "abcd"})", schnell(), true, limits);
  ASSERT_FALSE(tooLong.ok());
  EXPECT_EQ(tooLong.error.param, "prompt");
}

TEST(ApiRequest, NestingIsMeasuredOutsideStrings) {
  EXPECT_EQ(jsonNestingDepth(R"({"a": [1, {"b": 2}]})"), 3);
  EXPECT_EQ(jsonNestingDepth(R"({"a": "[[[[[[\"[[["})"), 1);
  EXPECT_FALSE(parseImageRequest(std::string(100, '[') + std::string(100, ']'), schnell(), true).ok());
}

TEST(ApiModelNames, AcceptsTheFamilyAliasesOfTheLoadedModel) {
  ModelInfo info = schnell();
  for (const char* name : {"black-forest-labs/FLUX.1-schnell", "black-forest-labs/FLUX-1-schnell", "flux-schnell",
                           "FLUX.1-SCHNELL"}) {
    EXPECT_TRUE(isAcceptedModelName(name, info, true)) << name;
  }
  for (const char* name : {"black-forest-labs/FLUX.1-dev", "dall-e-3", "gpt-image-1", "", "flux"}) {
    EXPECT_FALSE(isAcceptedModelName(name, info, true)) << name;
  }
  ModelInfo demo;
  demo.name = "FluxDesk demo";
  demo.id = "fluxdesk-demo";
  demo.isDemo = true;
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
  for (const char* host : {"localhost:8000", "LocalHost:8000", "127.0.0.1:8000", "127.1.2.3:8000", "[::1]:8000",
                           "localhost", "127.0.0.1"}) {
    EXPECT_TRUE(isAllowedHost(host, 8000, "127.0.0.1", none)) << host;
  }
  for (const char* host : {"", "evil.com", "evil.com:8000", "localhost:8001", "localhost.evil.com:8000",
                           "127.0.0.1.evil.com:8000", "128.0.0.1:8000", "[::2]:8000", "localhost:", "localhost:80a",
                           "[::1", "::1:8000", "256.0.0.1:8000", "0.0.0.0:8000", "localhost:8000 ", "127.0.0.1:+8000"}) {
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
    EXPECT_EQ(key.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", 3),
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
  EXPECT_EQ(errorBody(error),
            R"({"error":{"code":"invalid_value","message":"size is wrong","param":"size","type":"invalid_request_error"}})");
  ApiError generic = defaultErrorFor(404, "GET", "/x");
  EXPECT_EQ(generic.status, 404);
  EXPECT_NE(errorBody(generic).find("\"param\":null"), std::string::npos);
  // Engine errors: bad request -> 400 with a param, others -> 500/503.
  ApiError bad = fromEngineError(makeError(ErrorKind::BadRequest, "width must be a multiple of 16"));
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
