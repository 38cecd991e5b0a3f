#include "hub/hub_http.h"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>

namespace fd::hub {

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return ::strcasecmp(a.c_str(), b.c_str()) < 0;
}

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

namespace {

const char* kUserAgent = "fluxdesk/0.1 (libcurl; huggingface_hub-compatible cache)";

void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One easy handle per thread, reset between requests: its connection and
// DNS caches make the many small HEAD requests of a snapshot cheap.
struct HandleDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
CURL* threadHandle() {
  thread_local std::unique_ptr<CURL, HandleDeleter> handle;
  if (!handle) {
    globalInit();
    handle.reset(curl_easy_init());
  } else {
    curl_easy_reset(handle.get());
  }
  return handle.get();
}

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

struct Transfer {
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  bool sinkStopped = false;
  bool bodyStarted = false;
  // The stall timeout: no body byte for stallTimeoutSeconds (libcurl's own
  // low-speed check averages over seconds and notices a stall late).
  curl_off_t lastBytes = 0;
  std::chrono::steady_clock::time_point lastChange = std::chrono::steady_clock::now();
  bool stalled = false;
};

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  std::string line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response (after a redirect or a 100 Continue): start over.
    t->response->headers.clear();
    auto sp = line.find(' ');
    t->response->status =
        sp == std::string::npos ? 0 : std::strtol(line.c_str() + sp + 1, nullptr, 10);
    return n;
  }
  auto colon = line.find(':');
  if (colon == std::string::npos) return n;
  std::string name = trim(line.substr(0, colon));
  std::string value = trim(line.substr(colon + 1));
  auto [it, inserted] = t->response->headers.emplace(name, value);
  if (!inserted) it->second += ", " + value;
  return n;
}

size_t onBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  t->response->bodyBytes += n;
  const long status = t->response->status;
  if (t->request->sink && status >= 200 && status < 300) {
    if (!t->bodyStarted) {
      t->bodyStarted = true;
      if (t->request->onBodyStart && !t->request->onBodyStart(status, t->response->headers)) {
        t->sinkStopped = true;
        return 0;
      }
    }
    if (!t->request->sink(data, n)) {
      t->sinkStopped = true;
      return 0;  // CURLE_WRITE_ERROR
    }
    return n;
  }
  t->response->body.append(data, n);
  return n;
}

int onProgress(void* user, curl_off_t, curl_off_t downloaded, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->request->shouldAbort && t->request->shouldAbort()) {
    t->sinkStopped = true;
    return 1;  // CURLE_ABORTED_BY_CALLBACK
  }
  const auto now = std::chrono::steady_clock::now();
  if (downloaded != t->lastBytes) {
    t->lastBytes = downloaded;
    t->lastChange = now;
  } else if (std::chrono::duration<double>(now - t->lastChange).count() >
             t->request->stallTimeoutSeconds) {
    t->stalled = true;
    return 1;
  }
  return 0;
}

bool isUnreserved(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~';
}

}  // namespace

HttpResponse httpRequest(const HttpRequest& request) {
  HttpResponse response;
  CURL* curl = threadHandle();
  if (!curl) {
    response.failure = HttpFailure::Transport;
    response.failureMessage = "libcurl could not start a transfer";
    return response;
  }
  Transfer transfer{&request, &response};
  char errorBuffer[CURL_ERROR_SIZE] = {0};

  curl_slist* headers = nullptr;
  for (const auto& h : request.headers) headers = curl_slist_append(headers, h.c_str());

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, kUserAgent);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errorBuffer);
  if (headers) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (request.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
  if (request.acceptCompressed) curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  std::string range;
  if (request.rangeStart > 0) {
    range = std::to_string(request.rangeStart) + "-";
    curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max(1.0, request.connectTimeoutSeconds * 1000.0)));
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, onProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);

  const CURLcode code = curl_easy_perform(curl);
  if (char* url = nullptr; curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url)
    response.effectiveUrl = url;
  if (code != CURLE_OK) {
    if (transfer.sinkStopped) {
      response.failure = HttpFailure::Aborted;
      response.failureMessage = "stopped";
    } else if (transfer.stalled) {
      response.failure = HttpFailure::Transport;
      response.timedOut = true;
      char text[96];
      std::snprintf(text, sizeof text, "no data for %.0f s", request.stallTimeoutSeconds);
      response.failureMessage = text;
    } else {
      response.failure = HttpFailure::Transport;
      response.timedOut = code == CURLE_OPERATION_TIMEDOUT;
      response.failureMessage = errorBuffer[0] ? errorBuffer : curl_easy_strerror(code);
    }
  }
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  return response;
}

std::string urlOrigin(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  auto end = url.find_first_of("/?#", scheme + 3);
  std::string origin = url.substr(0, end);
  std::transform(origin.begin(), origin.end(), origin.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return origin;
}

std::string resolveUrl(const std::string& base, const std::string& location) {
  // Absolute: "scheme://...".
  size_t schemeEnd = 0;
  while (schemeEnd < location.size() &&
         (std::isalnum(static_cast<unsigned char>(location[schemeEnd])) ||
          location[schemeEnd] == '+' || location[schemeEnd] == '.' || location[schemeEnd] == '-'))
    ++schemeEnd;
  if (schemeEnd > 0 && location.compare(schemeEnd, 3, "://") == 0) return location;
  const std::string origin = urlOrigin(base);
  if (location.rfind("//", 0) == 0) return base.substr(0, base.find("://")) + ":" + location;
  if (!location.empty() && location[0] == '/') return origin + location;
  // Relative to the base's folder (query and fragment of the base dropped).
  std::string path = base.substr(origin.size());
  if (auto end = path.find_first_of("?#"); end != std::string::npos) path.resize(end);
  if (location.empty()) return origin + path;
  if (location[0] == '?') return origin + path + location;
  path.resize(path.rfind('/') + 1);  // npos + 1 == 0: no slash leaves nothing
  if (path.empty()) path = "/";
  std::string merged = path + location;
  // Remove dot segments.
  std::string query;
  if (auto q = merged.find_first_of("?#"); q != std::string::npos) {
    query = merged.substr(q);
    merged.resize(q);
  }
  std::vector<std::string> parts;
  size_t start = 1;
  while (start <= merged.size()) {
    size_t slash = merged.find('/', start);
    std::string seg =
        merged.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
      if (slash == std::string::npos) parts.emplace_back();
    } else if (seg == ".") {
      if (slash == std::string::npos) parts.emplace_back();
    } else {
      parts.push_back(seg);
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  if (out.empty()) out = "/";
  return origin + out + query;
}

std::string urlQuote(const std::string& text, bool keepSlash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (isUnreserved(c) || (keepSlash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace fd::hub
