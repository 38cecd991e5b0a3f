// The table of bad requests of the shared API suite (see api_suite.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/api_suite.h"
#include "api/api_suite_checks.h"

namespace fd::test {

namespace {

using json = nlohmann::json;

struct BadCase {
  const char* name;
  std::string body;
  int status;
  const char* param;  // nullptr: param must be null
  std::string contentType = "application/json";
  std::string method = "POST";
  std::string path = kPath;
};

std::vector<BadCase> badCases() {
  const std::string ok = R"("prompt": "a fox")";
  std::string longPrompt(4001, 'a');
  std::string deep(5000, '[');
  deep += std::string(5000, ']');
  return {
      {"empty body", "", 400, nullptr},
      {"malformed JSON", "{\"prompt\": ", 400, nullptr},
      {"trailing garbage", "{\"prompt\": \"a\"} x", 400, nullptr},
      {"array body", "[1, 2]", 400, nullptr},
      {"string body", "\"a fox\"", 400, nullptr},
      {"invalid UTF-8 bytes", "{\"prompt\": \"a \xff\xfe fox\"}", 400, nullptr},
      {"lone surrogate escape", R"({"prompt": "a \ud800 fox"})", 400, nullptr},
      {"number overflow", R"({"prompt": "a", "n": 1e400})", 400, nullptr},
      {"NaN literal", R"({"prompt": "a", "n": NaN})", 400, nullptr},
      {"deep nesting", "{\"prompt\": \"a\", \"x\": " + deep + "}", 400, nullptr},
      {"missing prompt", R"({"n": 1})", 400, "prompt"},
      {"null prompt", R"({"prompt": null})", 400, "prompt"},
      {"number prompt", R"({"prompt": 42})", 400, "prompt"},
      {"empty prompt", R"({"prompt": ""})", 400, "prompt"},
      {"blank prompt", R"({"prompt": "  \n\t "})", 400, "prompt"},
      {"too long prompt", "{\"prompt\": \"" + longPrompt + "\"}", 400, "prompt"},
      {"NUL in prompt", R"({"prompt": "a\u0000b"})", 400, "prompt"},
      {"n zero", "{" + ok + R"(, "n": 0})", 400, "n"},
      {"n five", "{" + ok + R"(, "n": 5})", 400, "n"},
      {"n string", "{" + ok + R"(, "n": "2"})", 400, "n"},
      {"n fraction", "{" + ok + R"(, "n": 1.5})", 400, "n"},
      {"n boolean", "{" + ok + R"(, "n": true})", 400, "n"},
      {"n huge integer", "{" + ok + R"(, "n": 99999999999999999999999999})", 400, "n"},
      {"n negative", "{" + ok + R"(, "n": -1})", 400, "n"},
      {"size not multiple of 16", "{" + ok + R"(, "size": "1000x1000"})", 400, "size"},
      {"size too large", "{" + ok + R"(, "size": "4096x4096"})", 400, "size"},
      {"size too small", "{" + ok + R"(, "size": "128x128"})", 400, "size"},
      {"size one number", "{" + ok + R"(, "size": "1024"})", 400, "size"},
      {"size words", "{" + ok + R"(, "size": "bigxsmall"})", 400, "size"},
      {"size number", "{" + ok + R"(, "size": 1024})", 400, "size"},
      {"size huge digits", "{" + ok + R"(, "size": "99999999999x1"})", 400, "size"},
      {"response_format url", "{" + ok + R"(, "response_format": "url"})", 400, "response_format"},
      {"response_format other", "{" + ok + R"(, "response_format": "base64"})", 400,
       "response_format"},
      {"output_format gif", "{" + ok + R"(, "output_format": "gif"})", 400, "output_format"},
      {"output_format bmp", "{" + ok + R"(, "output_format": "bmp"})", 400, "output_format"},
      {"background transparent", "{" + ok + R"(, "background": "transparent"})", 400, "background"},
      {"background other", "{" + ok + R"(, "background": "white"})", 400, "background"},
      {"partial_images 4", "{" + ok + R"(, "stream": true, "partial_images": 4})", 400,
       "partial_images"},
      {"partial_images negative", "{" + ok + R"(, "partial_images": -1})", 400, "partial_images"},
      {"stream string", "{" + ok + R"(, "stream": "true"})", 400, "stream"},
      {"moderation unknown", "{" + ok + R"(, "moderation": "strict"})", 400, "moderation"},
      {"safety_identifier number", "{" + ok + R"(, "safety_identifier": 5})", 400,
       "safety_identifier"},
      {"prompt too long", R"({"prompt": ")" + std::string(4001, 'a') + R"("})", 400, "prompt"},
      {"output_format number", "{" + ok + R"(, "output_format": 1})", 400, "output_format"},
      {"output_compression 101", "{" + ok + R"(, "output_compression": 101})", 400,
       "output_compression"},
      {"steps zero", "{" + ok + R"(, "steps": 0})", 400, "steps"},
      {"steps too many", "{" + ok + R"(, "steps": 1000})", 400, "steps"},
      {"num_inference_steps string", "{" + ok + R"(, "num_inference_steps": "4"})", 400,
       "num_inference_steps"},
      {"steps disagree", "{" + ok + R"(, "steps": 1, "num_inference_steps": 2})", 400, "steps"},
      {"seed negative", "{" + ok + R"(, "seed": -5})", 400, "seed"},
      {"seed string", "{" + ok + R"(, "seed": "abc"})", 400, "seed"},
      {"seed fraction", "{" + ok + R"(, "seed": 1.5})", 400, "seed"},
      {"seed too large", "{" + ok + R"(, "seed": 1e30})", 400, "seed"},
      {"quality unknown", "{" + ok + R"(, "quality": "ultra"})", 400, "quality"},
      {"style unknown", "{" + ok + R"(, "style": "anime"})", 400, "style"},
      {"user number", "{" + ok + R"(, "user": 12})", 400, "user"},
      {"model number", "{" + ok + R"(, "model": 3})", 400, "model"},
      {"model unknown", "{" + ok + R"(, "model": "dall-e-3"})", 404, "model"},
      {"text/plain body", "{" + ok + "}", 415, nullptr, "text/plain"},
      {"form body", "prompt=a+fox", 415, nullptr, "application/x-www-form-urlencoded"},
      {"no content type", "{" + ok + "}", 415, nullptr, ""},
      {"GET on generations", "", 405, nullptr, "", "GET"},
      {"DELETE on models", "", 405, nullptr, "", "DELETE", "/v1/models"},
      {"unknown path", "{" + ok + "}", 404, nullptr, "application/json", "POST",
       "/v1/images/variations"},
      {"JSON to edits", "{" + ok + "}", 415, nullptr, "application/json", "POST",
       "/v1/images/edits"},
      {"form without boundary to edits", "x", 415, nullptr, "multipart/form-data", "POST",
       "/v1/images/edits"},
      {"strength without an image", "{" + ok + R"(, "strength": 0.5})", 400, "strength"},
      {"unknown GET path", "", 404, nullptr, "", "GET", "/v2/whatever"},
  };
}

}  // namespace

void expectBadRequestsRejected(const ApiTarget& target) {
  const auto cases = badCases();
  EXPECT_GE(cases.size(), 25u);
  for (const BadCase& c : cases) {
    RequestOptions options;
    options.method = c.method;
    options.contentType = c.contentType;
    ApiReply reply = sendRequest(target, c.path, c.body, options);
    expectErrorBody(reply, c.status, c.param, c.name);
    if (c.status == 405) {
      EXPECT_FALSE(reply.header("Allow").empty()) << c.name;
    }
  }
  // Oversize bodies: with a Content-Length, and chunked (no length).
  std::string big = "{\"prompt\": \"" + std::string(200 * 1024, 'a') + "\"}";
  expectErrorBody(sendRequest(target, kPath, big), 413, nullptr, "oversize body");
  {
    httplib::Client client(target.host, target.port);
    client.set_read_timeout(30);
    httplib::Headers headers{{"Host", target.hostHeader()}};
    if (!target.apiKey.empty()) headers.emplace("Authorization", "Bearer " + target.apiKey);
    size_t sent = 0;
    auto result = client.Post(
        kPath, headers,
        [&](size_t, httplib::DataSink& sink) {
          if (sent >= 300 * 1024) {
            sink.done();
            return true;
          }
          std::string chunk = sent == 0 ? "{\"prompt\": \"" : std::string(16 * 1024, 'b');
          sent += chunk.size();
          return sink.write(chunk.data(), chunk.size());
        },
        "application/json");
    // The server may close before reading it all; an answer must be 413.
    if (result) {
      ApiReply reply;
      reply.connected = true;
      reply.status = result->status;
      reply.body = result->body;
      reply.headers = result->headers;
      reply.json = json::parse(reply.body, nullptr, false);
      expectErrorBody(reply, 413, nullptr, "oversize chunked body");
    }
  }
  // The server still answers after all that.
  EXPECT_EQ(getPath(target, "/health").status, 200);
}

}  // namespace fd::test
