#include "service/http_syntax.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace fd::http {

namespace {

bool isTokenChar(unsigned char c) {
  if (std::isalnum(c)) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != 0;
}

}  // namespace

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string lower(std::string text) {
  for (char& c : text) c = char(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool isToken(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return isTokenChar(c); });
}

std::string trimOws(const std::string& text) {
  size_t b = text.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = text.find_last_not_of(" \t");
  return text.substr(b, e - b + 1);
}

std::vector<std::string> listElements(const std::string& value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    std::string item = trimOws(
        value.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool decodePath(const std::string& in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hexValue(in[i + 1]), lo = hexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<unsigned char>(hi * 16 + lo);
      i += 2;
    }
    if (c < 0x20 || c == 0x7f) return false;
    out += char(c);
  }
  return true;
}

std::string mediaType(const std::string& contentType) {
  return lower(trimOws(contentType.substr(0, contentType.find(';'))));
}

std::optional<std::pair<std::string, std::string>> splitAbsoluteTarget(const std::string& target) {
  const size_t colon = target.find("://");
  if (colon == std::string::npos) return std::nullopt;
  const std::string scheme = lower(target.substr(0, colon));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  const size_t start = colon + 3;
  const size_t end = target.find_first_of("/?", start);
  std::string authority =
      target.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (authority.empty() || authority.find('@') != std::string::npos || authority[0] == ':')
    return std::nullopt;
  std::string rest = end == std::string::npos ? "" : target.substr(end);
  if (rest.empty() || rest[0] == '?') rest = "/" + rest;
  return std::make_pair(std::move(authority), std::move(rest));
}

}  // namespace fd::http
