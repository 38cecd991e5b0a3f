#include "api/api_test_client.h"

#include <QByteArray>
#include <csignal>
#include <cstring>
#include <mutex>

namespace fd::test {

ApiTarget ApiTarget::fromBaseUrl(const std::string& baseUrl, const std::string& apiKey) {
  ApiTarget target;
  target.apiKey = apiKey;
  std::string rest = baseUrl;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  rest = rest.substr(0, rest.find('/'));
  size_t colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find(']', colon) == std::string::npos) {
    target.host = rest.substr(0, colon);
    target.port = std::atoi(rest.c_str() + colon + 1);
  } else {
    target.host = rest;
    target.port = 80;
  }
  if (target.host.size() > 2 && target.host.front() == '[')
    target.host = target.host.substr(1, target.host.size() - 2);
  return target;
}

std::string ApiTarget::baseUrl() const { return "http://" + hostHeader(); }

std::string ApiTarget::hostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

std::string ApiReply::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (strcasecmp(key.c_str(), name.c_str()) == 0) return value;
  }
  return "";
}

bool ApiReply::hasHeader(const std::string& name) const {
  for (const auto& entry : headers) {
    if (strcasecmp(entry.first.c_str(), name.c_str()) == 0) return true;
  }
  return false;
}

std::string ApiReply::describe() const {
  if (!connected) return "no HTTP answer";
  std::string text = "HTTP " + std::to_string(status) + " ";
  text += body.size() > 600 ? body.substr(0, 600) + "..." : body;
  return text;
}

ApiReply sendRequest(const ApiTarget& target, const std::string& path, const std::string& body,
                     const RequestOptions& options) {
  // A server may close while a client still writes (413, stop): that must
  // be a failed request, not the end of the test process. (httplib's
  // Server ignores SIGPIPE in its constructor; a client-only process must.)
  static std::once_flag ignoreSigpipe;
  std::call_once(ignoreSigpipe, [] { std::signal(SIGPIPE, SIG_IGN); });
  httplib::Client client(target.host, target.port);
  client.set_connection_timeout(5);
  client.set_read_timeout(options.timeoutSeconds);
  client.set_write_timeout(30);
  httplib::Request req;
  req.method = options.method;
  req.path = path;
  req.headers = options.headers;
  if (options.sendKey && !target.apiKey.empty() && !req.has_header("Authorization")) {
    req.set_header("Authorization", "Bearer " + target.apiKey);
  }
  if (!options.contentType.empty()) req.set_header("Content-Type", options.contentType);
  req.body = body;
  ApiReply reply;
  httplib::Result result = client.send(req);
  if (!result) return reply;
  reply.connected = true;
  reply.status = result->status;
  reply.body = result->body;
  reply.headers = result->headers;
  reply.json = nlohmann::json::parse(reply.body, nullptr, false);
  return reply;
}

ApiReply getPath(const ApiTarget& target, const std::string& path,
                 const httplib::Headers& headers) {
  RequestOptions options;
  options.method = "GET";
  options.contentType = "";
  options.headers = headers;
  return sendRequest(target, path, "", options);
}

ApiReply postJson(const ApiTarget& target, const std::string& path, const nlohmann::json& body) {
  return sendRequest(target, path, body.dump());
}

std::optional<DecodedImage> decodeB64Image(const std::string& b64, std::string* format) {
  QByteArray raw = QByteArray::fromBase64(QByteArray::fromStdString(b64),
                                          QByteArray::AbortOnBase64DecodingErrors);
  if (raw.isEmpty()) return std::nullopt;
  std::vector<uint8_t> bytes(raw.begin(), raw.end());
  if (format) {
    if (bytes.size() > 8 && bytes[0] == 0x89 && bytes[1] == 'P')
      *format = "png";
    else if (bytes.size() > 2 && bytes[0] == 0xFF && bytes[1] == 0xD8)
      *format = "jpeg";
    else if (bytes.size() > 12 && std::memcmp(bytes.data(), "RIFF", 4) == 0 &&
             std::memcmp(bytes.data() + 8, "WEBP", 4) == 0)
      *format = "webp";
    else
      *format = "unknown";
  }
  auto decoded = decodeImage(bytes);
  if (!decoded) return std::nullopt;
  return std::move(decoded.value());
}

}  // namespace fd::test
