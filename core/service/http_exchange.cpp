// The client side of a request being handled (http_server.h: Exchange):
// whether the client is still there, and streamed answers.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "service/http_send.h"
#include "service/http_server.h"
#include "service/http_syntax.h"

namespace fd::http {

using Clock = std::chrono::steady_clock;

bool sendAll(int fd, const std::string& data, Clock::time_point deadline,
             const std::atomic<bool>& stopping) {
  size_t sent = 0;
  bool stopSeen = false;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += size_t(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
    if (stopping && !stopSeen) {
      stopSeen = true;
      deadline = std::min(deadline, Clock::now() + std::chrono::seconds(2));
    }
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLOUT, 0};
    ::poll(&p, 1, int(std::min<long long>(left, 200)));
  }
  return true;
}
bool Exchange::clientGone() {
  if (gone_ || fd_ < 0) return gone_;
  if (failed_) return gone_ = true;
  char byte;
  ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return false;  // a pipelined request waits: the client is there
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
    return gone_ = true;  // reset
  if (n == 0) fin_ = true;
#ifdef TCP_INFO
  tcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(fd_, IPPROTO_TCP, TCP_INFO, &info, &length) == 0 && info.tcpi_state == TCP_CLOSE)
    return gone_ = true;
#endif
  if (!fin_ || streaming_) return false;
  if (minorVersion_ == 0) return gone_ = true;  // HTTP/1.0: a FIN means it left
  if (!probed_) {
    // Half-closed or gone? An interim answer tells: a closed socket
    // answers it with a reset, a half-closed client reads and skips it.
    probed_ = true;
    static const char kProcessing[] = "HTTP/1.1 102 Processing\r\n\r\n";
    if (::send(fd_, kProcessing, sizeof kProcessing - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
        errno == EPIPE) {
      return gone_ = true;
    }
  }
  return false;
}

bool Exchange::write(const std::string& data) {
  if (failed_) return false;
  if (!sendAll(fd_, data, Clock::now() + writeTimeout_, stopping_)) {
    failed_ = true;
    gone_ = true;
  }
  return !failed_;
}

bool Exchange::beginStream(const Response& head) {
  if (streaming_) return !failed_;
  streaming_ = true;
  std::string text =
      "HTTP/1.1 " + std::to_string(head.status) + " " + reasonPhrase(head.status) + "\r\n";
  for (const auto& [name, value] : head.headers) {
    const std::string key = lower(name);
    if (key == "content-length" || key == "connection" || key == "transfer-encoding") continue;
    text += name + ": " + value + "\r\n";
  }
  text += minorVersion_ >= 1 ? "Transfer-Encoding: chunked\r\n" : "Connection: close\r\n";
  text += "\r\n";
  return write(text);
}

bool Exchange::send(const std::string& data) {
  if (!streaming_ || data.empty()) return streaming_ && !failed_;
  if (head_) return !failed_;  // HEAD: headers only
  if (minorVersion_ == 0) return write(data);
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return write(size + data + "\r\n");
}

bool Exchange::finishStream() {
  if (!streaming_ || failed_) return false;
  if (head_ || minorVersion_ == 0) return true;
  return write("0\r\n\r\n");
}

// Bytes an upload holds against the server's budget for all uploads, given
// back when the connection moves on to its next request or goes away (on
// whatever thread that happens).

}  // namespace fd::http
