// The request and response types of http_server.h: header lookup (names
// case-insensitive, values as sent) and the status lines' reason phrases.

#include <algorithm>

#include "service/http_server.h"
#include "service/http_syntax.h"

namespace fd::http {

const char* reasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 102: return "Processing";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 499: return "Client Closed Request";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

std::string Request::header(const std::string& name) const {
  const std::string key = lower(name);
  for (const auto& [n, v] : headers) {
    if (n == key) return v;
  }
  return "";
}

size_t Request::headerCount(const std::string& name) const {
  const std::string key = lower(name);
  return size_t(
      std::count_if(headers.begin(), headers.end(), [&](const auto& h) { return h.first == key; }));
}

void Response::setHeader(const std::string& name, const std::string& value) {
  const std::string key = lower(name);
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const auto& h) { return lower(h.first) == key; }),
                headers.end());
  headers.emplace_back(name, value);
}

std::string Response::header(const std::string& name) const {
  const std::string key = lower(name);
  for (const auto& [n, v] : headers) {
    if (lower(n) == key) return v;
  }
  return "";
}

}  // namespace fd::http
