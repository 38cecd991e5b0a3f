#pragma once
// HTTP helpers for the API tests (httplib::Client): one request, its
// status, headers and parsed JSON body, and decoding a b64_json image.

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "pipeline/image_io.h"

namespace fd::test {

// Where a server under test is: the base URL's host and port, and the key
// to send (as "Authorization: Bearer") when not empty.
struct ApiTarget {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string apiKey;

  // "http://127.0.0.1:8000" (a trailing slash or /v1 is ignored).
  static ApiTarget fromBaseUrl(const std::string& baseUrl, const std::string& apiKey = "");
  std::string baseUrl() const;
  std::string hostHeader() const;  // "127.0.0.1:8000"
};

struct ApiReply {
  bool connected = false;  // false: no HTTP answer at all (refused, reset)
  int status = 0;
  std::string body;
  httplib::Headers headers;
  nlohmann::json json;  // discarded when the body is not JSON
  std::string header(const std::string& name) const;
  bool hasHeader(const std::string& name) const;
  std::string describe() const;  // for assertion messages (no image data)
};

struct RequestOptions {
  std::string method = "POST";
  std::string contentType = "application/json";  // "" sends none
  httplib::Headers headers;                      // added; a "Host" here replaces the default
  bool sendKey = true;                           // send target.apiKey when set
  int timeoutSeconds = 600;
};

ApiReply sendRequest(const ApiTarget& target, const std::string& path, const std::string& body,
                     const RequestOptions& options = {});
ApiReply getPath(const ApiTarget& target, const std::string& path,
                 const httplib::Headers& headers = {});
ApiReply postJson(const ApiTarget& target, const std::string& path, const nlohmann::json& body);

// Base64 text of a response item to pixels; nullopt when it is not a
// decodable image.
std::optional<DecodedImage> decodeB64Image(const std::string& b64, std::string* format = nullptr);

}  // namespace fd::test
