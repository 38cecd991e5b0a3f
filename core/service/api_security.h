#pragma once
// The checks that keep web pages and other users away from the local API:
// the Host header (DNS rebinding), the API key, CORS origins.

#include <optional>
#include <string>
#include <vector>

namespace fd::api {

// True for names that always mean this machine: localhost, 127.0.0.0/8,
// ::1 (bracketed or not).
bool isLoopbackName(const std::string& host);

// The Host header check. Accepted: a loopback name; when the server is
// bound to another address, that address, and when bound to a wildcard
// (0.0.0.0, ::) any IP literal (a page cannot make a browser send an IP
// literal for its own origin); plus `extraHosts` (names the user listed).
// A port, when present, must be `serverPort`. `hostHeader` empty: false.
bool isAllowedHost(const std::string& hostHeader, int serverPort, const std::string& boundHost,
                   const std::vector<std::string>& extraHosts);

// The key a client presented: "Authorization: Bearer KEY" (scheme
// case-insensitive) or "x-api-key: KEY"; nullopt when neither is there.
std::optional<std::string> presentedApiKey(const std::string& authorization,
                                           const std::string& xApiKey);

// Compares in time independent of where the strings differ (and of their
// lengths: both sides are hashed first).
bool constantTimeEquals(const std::string& a, const std::string& b);

// "fd-" + 43 URL-safe characters from the system's random source (256 bits).
std::string generateApiKey();

// Exact match against the configured origins ("*" allows any); scheme and
// host compared case-insensitively.
bool isAllowedOrigin(const std::string& origin, const std::vector<std::string>& allowedOrigins);

// True when `host` is 127.0.0.1, ::1 or localhost: binding anything else
// deserves a warning.
bool isLoopbackBindAddress(const std::string& host);

}  // namespace fd::api
