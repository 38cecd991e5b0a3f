// The server's I/O thread (http_server_impl.h): accepts connections, polls
// them, reads what arrives, enforces the deadlines and hands complete
// requests to the workers.

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <mutex>
#include <utility>

#include "service/http_send.h"
#include "service/http_server_impl.h"
#include "service/http_syntax.h"

namespace fd::http {

void Server::Impl::logTimeout(Conn& c, Clock::time_point now) {
  if (!logger) return;
  Response res;
  res.status = 408;
  res.close = true;
  logger(c.req, res, std::chrono::duration<double>(now - c.started).count());
}

void Server::Impl::closeConn(Conn& c, int status) {
  if (status) {
    std::string text = "HTTP/1.1 " + std::to_string(status) + " " + reasonPhrase(status) +
                       "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    [[maybe_unused]] ssize_t n =
        ::send(c.fd, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  ::close(c.fd);
  c.fd = -1;
}

void Server::Impl::acceptAll() {
  for (int i = 0; i < 64; ++i) {
    sockaddr_storage peer{};
    socklen_t peerLength = sizeof peer;
    int fd = ::accept4(listenFd, reinterpret_cast<sockaddr*>(&peer), &peerLength,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (conns.size() >= limits.maxConnections) {
      // Drop the connection that has waited longest without progress.
      auto oldest = std::min_element(conns.begin(), conns.end(), [](const auto& a, const auto& b) {
        return a->lastActive < b->lastActive;
      });
      if (oldest != conns.end()) {
        closeConn(**oldest);
        conns.erase(oldest);
      }
    }
    int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    auto conn = std::make_unique<Conn>();
    conn->fd = fd;
    endpoint(peer, peerLength, conn->remoteAddress, conn->remotePort);
    sockaddr_storage local{};
    socklen_t localLength = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &localLength) == 0) {
      std::string ignored;
      endpoint(local, localLength, ignored, conn->localPort);
    }
    conn->lastActive = Clock::now();
    conn->deadline = conn->lastActive + limits.idleTimeout;
    conns.push_back(std::move(conn));
  }
}

void Server::Impl::ioLoop() {
  std::vector<pollfd> fds;
  std::vector<Conn*> polled;
  char buffer[16 * 1024];
  while (!stopping) {
    fds.clear();
    polled.clear();
    fds.push_back({listenFd, POLLIN, 0});
    fds.push_back({wake[0], POLLIN, 0});
    auto now = Clock::now();
    auto next = now + std::chrono::milliseconds(500);
    for (auto& c : conns) {
      next = std::min(next, c->deadline);
      if (c->in.size() < readCap()) {
        fds.push_back({c->fd, POLLIN, 0});
        polled.push_back(c.get());
      }
    }
    int waitMs = int(std::max<long long>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count() + 1));
    int ready = ::poll(fds.data(), fds.size(), waitMs);
    if (stopping) break;
    if (ready < 0 && errno != EINTR) break;
    now = Clock::now();
    if (fds[1].revents) {
      char drain[256];
      while (::read(wake[0], drain, sizeof drain) > 0) {
      }
    }
    std::vector<std::unique_ptr<Conn>> back;
    {
      std::lock_guard<std::mutex> lock(mutex);
      back.swap(returned);
    }
    for (size_t i = 0; i < polled.size(); ++i) {
      const pollfd& p = fds[i + 2];
      if (!p.revents) continue;
      Conn* c = polled[i];
      ssize_t n = ::recv(c->fd, buffer, std::min(sizeof buffer, readCap() - c->in.size()), 0);
      if (n > 0 && c->phase == Phase::Drain) {
        c->pos += size_t(n);  // dropped; counted
        if (c->pos > 256 * 1024) c->fin = true;
      } else if (n > 0) {
        c->in.append(buffer, size_t(n));
        c->lastActive = now;
      } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        c->fin = true;
      }
    }
    for (auto& c : back) {
      c->lastActive = now;
      if (c->phase == Phase::Drain) {
        c->in.clear();
        c->in.shrink_to_fit();
        c->pos = 0;
        c->deadline = now + std::chrono::milliseconds(300);
      } else {
        c->phase = Phase::Idle;
        c->deadline = now + limits.idleTimeout;
      }
      conns.push_back(std::move(c));
    }
    for (auto it = conns.begin(); it != conns.end();) {
      std::unique_ptr<Conn>& conn = *it;
      process(conn);
      if (!conn) {
        it = conns.erase(it);
        continue;
      }
      if (conn->fin) {  // closed before a whole request came
        closeConn(*conn);
        it = conns.erase(it);
        continue;
      }
      if (now >= conn->deadline) {
        const bool midRequest = conn->phase == Phase::Head || conn->phase == Phase::Body;
        if (midRequest) logTimeout(*conn, now);
        closeConn(*conn, midRequest ? 408 : 0);
        it = conns.erase(it);
        continue;
      }
      ++it;
    }
    if (fds[0].revents) acceptAll();
  }
  for (auto& c : conns) closeConn(*c);
  conns.clear();
}

}  // namespace fd::http
