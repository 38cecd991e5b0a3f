#pragma once
// The small pieces of HTTP/1.1 grammar (RFC 9110 / 9112) the server checks
// requests against: tokens, optional whitespace, list elements, the
// request path's percent-decoding. Separate from the socket loop so they can
// be read (and tested) as text rules. Qt-free.

#include <string>
#include <vector>

namespace fd::http {

std::string lower(std::string text);  // ASCII lower case (header names)
bool isToken(const std::string& text);  // RFC 9110 token (method, header name, transfer coding)
std::string trimOws(const std::string& text);  // without leading/trailing spaces and tabs
// Comma-separated list elements, trimmed, empty ones dropped.
std::vector<std::string> listElements(const std::string& value);
// 0-15 for a hex digit (chunk sizes, %XX escapes), -1 otherwise.
int hexValue(char c);
// Percent-decodes a path; false on a malformed escape or a decoded control byte.
bool decodePath(const std::string& in, std::string& out);

}  // namespace fd::http
