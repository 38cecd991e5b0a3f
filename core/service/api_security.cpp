#include "service/api_security.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QRandomGenerator>
#include <algorithm>
#include <cctype>

namespace fd::api {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return text;
}

bool isDigits(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

// "a.b.c.d", each 0..255 without a sign.
std::optional<std::vector<int>> parseIPv4(const std::string& text) {
  std::vector<int> parts;
  size_t start = 0;
  while (true) {
    size_t dot = text.find('.', start);
    std::string part =
        text.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!isDigits(part) || part.size() > 3) return std::nullopt;
    int value = std::stoi(part);
    if (value > 255) return std::nullopt;
    parts.push_back(value);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (parts.size() != 4) return std::nullopt;
  return parts;
}

bool isIPv6Literal(const std::string& text) {
  if (text.empty() || text.find(':') == std::string::npos) return false;
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isxdigit(c) || c == ':' || c == '.'; });
}

bool isIPv6Loopback(const std::string& text) {
  std::string t = lower(text);
  return t == "::1" || t == "0:0:0:0:0:0:0:1" || t == "::ffff:127.0.0.1";
}

// Splits "host", "host:port", "[v6]" or "[v6]:port". False when malformed.
bool splitHostPort(const std::string& header, std::string& host, std::optional<int>& port) {
  port.reset();
  std::string rest;
  if (!header.empty() && header[0] == '[') {
    size_t close = header.find(']');
    if (close == std::string::npos) return false;
    host = header.substr(1, close - 1);
    if (!isIPv6Literal(host)) return false;
    rest = header.substr(close + 1);
  } else {
    size_t colon = header.find(':');
    host = header.substr(0, colon);
    rest = colon == std::string::npos ? "" : header.substr(colon);
  }
  if (host.empty()) return false;
  if (!rest.empty()) {
    if (rest[0] != ':') return false;
    std::string digits = rest.substr(1);
    if (!isDigits(digits) || digits.size() > 5) return false;
    port = std::stoi(digits);
  }
  return true;
}

bool isWildcard(const std::string& host) {
  return host == "0.0.0.0" || host == "::" || host.empty();
}

}  // namespace

bool isLoopbackName(const std::string& host) {
  std::string h = lower(host);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h == "localhost") return true;
  if (auto v4 = parseIPv4(h)) return (*v4)[0] == 127;
  return isIPv6Loopback(h);
}

bool isLoopbackBindAddress(const std::string& host) { return isLoopbackName(host); }

bool isAllowedHost(const std::string& hostHeader, int serverPort, const std::string& boundHost,
                   const std::vector<std::string>& extraHosts) {
  std::string host;
  std::optional<int> port;
  if (!splitHostPort(hostHeader, host, port)) return false;
  if (port && *port != serverPort) return false;
  host = lower(host);
  if (isLoopbackName(host)) return true;
  std::string bound = lower(boundHost);
  if (bound.size() >= 2 && bound.front() == '[') bound = bound.substr(1, bound.size() - 2);
  if (!isLoopbackName(bound)) {
    if (host == bound) return true;
    if (isWildcard(bound) && (parseIPv4(host) || isIPv6Literal(host))) return true;
  }
  return std::any_of(extraHosts.begin(), extraHosts.end(),
                     [&](const std::string& h) { return lower(h) == host; });
}

std::optional<std::string> presentedApiKey(const std::string& authorization,
                                           const std::string& xApiKey) {
  if (!authorization.empty()) {
    size_t space = authorization.find(' ');
    if (space != std::string::npos && lower(authorization.substr(0, space)) == "bearer") {
      std::string key = authorization.substr(space + 1);
      key.erase(0, key.find_first_not_of(' '));
      while (!key.empty() && key.back() == ' ') key.pop_back();
      return key;
    }
  }
  if (!xApiKey.empty()) return xApiKey;
  return std::nullopt;
}

bool constantTimeEquals(const std::string& a, const std::string& b) {
  const QByteArray ha = QCryptographicHash::hash(QByteArray(a.data(), qsizetype(a.size())),
                                                 QCryptographicHash::Sha256);
  const QByteArray hb = QCryptographicHash::hash(QByteArray(b.data(), qsizetype(b.size())),
                                                 QCryptographicHash::Sha256);
  unsigned char diff = 0;
  for (qsizetype i = 0; i < ha.size(); ++i) diff |= static_cast<unsigned char>(ha[i] ^ hb[i]);
  return diff == 0 && a.size() == b.size();
}

std::string generateApiKey() {
  quint32 words[8];  // 256 bits
  QRandomGenerator::system()->fillRange(words);
  const QByteArray bytes(reinterpret_cast<const char*>(words), sizeof words);
  QByteArray text = bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
  return "fd-" + text.toStdString();
}

bool isAllowedOrigin(const std::string& origin, const std::vector<std::string>& allowedOrigins) {
  if (origin.empty()) return false;
  std::string o = lower(origin);
  while (!o.empty() && o.back() == '/') o.pop_back();
  for (std::string allowed : allowedOrigins) {
    if (allowed == "*") return true;
    allowed = lower(allowed);
    while (!allowed.empty() && allowed.back() == '/') allowed.pop_back();
    if (allowed == o) return true;
  }
  return false;
}

}  // namespace fd::api
