#pragma once
// The small pieces of HTTP/1.1 grammar (RFC 9110 / 9112) the server checks
// requests against: tokens, optional whitespace, list elements, the
// request path's percent-decoding. Separate from the socket loop so they can
// be read (and tested) as text rules. Qt-free.

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fd::http {

std::string lower(std::string text);    // ASCII lower case (header names)
bool isToken(const std::string& text);  // RFC 9110 token (method, header name, transfer coding)
std::string trimOws(const std::string& text);  // without leading/trailing spaces and tabs
// Comma-separated list elements, trimmed, empty ones dropped.
std::vector<std::string> listElements(const std::string& value);
// 0-15 for a hex digit (chunk sizes, %XX escapes), -1 otherwise.
int hexValue(char c);
// Percent-decodes a path; false on a malformed escape or a decoded control byte.
bool decodePath(const std::string& in, std::string& out);
// The media type of a Content-Type value, lower case, without parameters
// ("Application/JSON; charset=utf-8" -> "application/json").
std::string mediaType(const std::string& contentType);
// An absolute-form target "http://host:port/path?query" split into its
// authority ("host:port") and origin-form ("/path?query"; "/" when empty).
// Nothing for another scheme, an empty host, or userinfo ("user@host").
std::optional<std::pair<std::string, std::string>> splitAbsoluteTarget(const std::string& target);

}  // namespace fd::http
