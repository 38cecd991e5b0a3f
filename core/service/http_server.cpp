// The HTTP server's public face (http_server.h): bind, start with the I/O
// thread and the workers, stop. The rest is in http_server_impl.h's files.

#include "service/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "service/http_send.h"
#include "service/http_server_impl.h"
#include "service/http_syntax.h"

namespace fd::http {

void Server::Impl::endpoint(const sockaddr_storage& address, socklen_t length, std::string& host,
                            int& port) {
  char hostText[NI_MAXHOST] = "";
  char portText[NI_MAXSERV] = "0";
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, hostText, sizeof hostText,
                  portText, sizeof portText, NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    host = hostText;
    port = std::atoi(portText);
  }
}

Server::Server(Limits limits, Admit admit, Handler handler, ErrorBody errorBody, Logger logger)
    : impl_(std::make_unique<Impl>()) {
  impl_->limits = limits;
  impl_->admit = std::move(admit);
  impl_->handler = std::move(handler);
  impl_->errorBody = std::move(errorBody);
  impl_->logger = std::move(logger);
}

Server::~Server() { stop(); }

int Server::bind(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* result = nullptr;
  const std::string service = std::to_string(port);
  if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &result) != 0) return -1;
  int fd = -1;
  for (addrinfo* ai = result; ai; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) continue;
    int yes = 1;
    // SO_REUSEADDR only (no SO_REUSEPORT: a second server must not share the port).
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (ai->ai_family == AF_INET6) {
      int no = 0;
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &no, sizeof no);
    }
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 128) == 0) break;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(result);
  if (fd < 0) return -1;
  sockaddr_storage local{};
  socklen_t length = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
  std::string ignored;
  int bound = 0;
  Impl::endpoint(local, length, ignored, bound);
  impl_->listenFd = fd;
  return bound;
}

void Server::start() {
  Impl* impl = impl_.get();
  if (impl->listenFd < 0 || impl->io.joinable()) return;
  if (::pipe2(impl->wake, O_NONBLOCK | O_CLOEXEC) != 0) return;
  impl->stopping = false;
  for (int i = 0; i < std::max(1, impl->limits.workers); ++i)
    impl->workers.emplace_back([impl] { impl->workerLoop(); });
  impl->io = std::thread([impl] { impl->ioLoop(); });
}

void Server::stop() {
  Impl* impl = impl_.get();
  {
    std::lock_guard<std::mutex> lock(impl->mutex);
    impl->stopping = true;
  }
  impl->jobReady.notify_all();
  if (impl->wake[1] >= 0) impl->wakeIo();
  if (impl->io.joinable()) impl->io.join();
  for (auto& worker : impl->workers) worker.join();
  impl->workers.clear();
  for (auto& c : impl->returned) ::close(c->fd);
  impl->returned.clear();
  if (impl->listenFd >= 0) ::close(impl->listenFd);
  impl->listenFd = -1;
  for (int& fd : impl->wake) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
}

}  // namespace fd::http
