#pragma once
// One HTTP request with libcurl, for the hub client: GET or HEAD, redirects
// followed or not, a Range start, the body into a string or a sink, an
// abort check, a connect timeout and a stall timeout (no byte for N
// seconds). Proxies come from the environment (libcurl reads http_proxy,
// https_proxy, no_proxy). Transport failures are values, never exceptions;
// HTTP statuses are left to the caller (hub_api.h maps them to errors).
// Torch-free, Qt-free.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace fd::hub {

struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
// Header names compare case-insensitively; a repeated header keeps its
// values joined with ", " (as HTTP allows for list headers such as Link).
using HttpHeaders = std::map<std::string, std::string, CaseInsensitiveLess>;

struct HttpRequest {
  std::string method = "GET";  // "GET" or "HEAD"
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  bool followRedirects = true;       // libcurl follows absolute and relative Locations
  bool acceptCompressed = false;  // API calls: gzip/br accepted and decoded; file bytes: identity
  uint64_t rangeStart = 0;        // > 0: "Range: bytes=N-"
  double connectTimeoutSeconds = 20;
  double stallTimeoutSeconds =
      60;  // cut the transfer after this long without a body byte (waiting included)
  // Body bytes of a 2xx response; return false to stop (the transfer then
  // ends as aborted). Without a sink the body is kept in HttpResponse::body.
  // Bodies of other statuses always go to HttpResponse::body.
  std::function<bool(const char* data, size_t size)> sink;
  // Called once before the first sink call, with the response's status and
  // headers (e.g. to start over when a Range was ignored); false stops.
  std::function<bool(long status, const HttpHeaders& headers)> onBodyStart;
  // Polled during the transfer (also while waiting); true stops it.
  std::function<bool()> shouldAbort;
};

enum class HttpFailure {
  None,       // a response arrived (any status) and its body was read completely
  Transport,  // connection refused, DNS, TLS, timeouts, a connection cut mid-body
  Aborted,    // the sink or shouldAbort stopped it
};

struct HttpResponse {
  HttpFailure failure = HttpFailure::None;
  std::string failureMessage;  // libcurl's words for a Transport failure
  bool timedOut = false;       // Transport failure by a timeout (connect or stall)
  long status = 0;             // of the last response (0: none arrived)
  HttpHeaders headers;         // of the last response
  std::string body;            // without a sink, or for a non-2xx status
  std::string effectiveUrl;    // after redirects
  uint64_t bodyBytes = 0;      // body bytes received (into the sink or body)

  bool ok() const { return failure == HttpFailure::None && status >= 200 && status < 300; }
  std::string header(const std::string& name) const;  // "" when absent
};

HttpResponse httpRequest(const HttpRequest& request);

// "https://host:port/a/b?q" + "/c" -> "https://host:port/c"; "../x" and
// "x" resolved against the base's folder; absolute URLs returned as is.
std::string resolveUrl(const std::string& base, const std::string& location);
// "scheme://host[:port]" (lower case; default ports kept as written).
std::string urlOrigin(const std::string& url);
// Percent-encodes everything but unreserved characters (and '/' when keepSlash),
// as Python's urllib.parse.quote.
std::string urlQuote(const std::string& text, bool keepSlash);

}  // namespace fd::hub
