#include "service/connection_watch.h"

#if defined(__unix__) || defined(__APPLE__)
#include <dirent.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>
#define FD_CONNECTION_WATCH_POSIX 1
#endif

namespace fd::api {

#ifdef FD_CONNECTION_WATCH_POSIX
namespace {

// Address and port as httplib writes them (getnameinfo, numeric host).
bool endpoint(const sockaddr_storage& address, socklen_t length, std::string& host, int& port) {
  char hostText[NI_MAXHOST];
  char portText[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, hostText, sizeof hostText, portText,
                  sizeof portText, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return false;
  }
  host = hostText;
  port = std::atoi(portText);
  return true;
}

bool matches(int fd, const std::string& remoteAddress, int remotePort, int localPort) {
  sockaddr_storage local{}, peer{};
  socklen_t localLength = sizeof local, peerLength = sizeof peer;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &localLength) != 0) return false;
  if (local.ss_family != AF_INET && local.ss_family != AF_INET6) return false;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peerLength) != 0) return false;
  std::string localHost, peerHost;
  int localPortSeen = 0, peerPortSeen = 0;
  if (!endpoint(local, localLength, localHost, localPortSeen)) return false;
  if (!endpoint(peer, peerLength, peerHost, peerPortSeen)) return false;
  return localPortSeen == localPort && peerPortSeen == remotePort && peerHost == remoteAddress;
}

std::vector<int> openDescriptors() {
  std::vector<int> fds;
  if (DIR* dir = opendir("/proc/self/fd")) {  // Linux: only the open ones
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] >= '0' && entry->d_name[0] <= '9') fds.push_back(std::atoi(entry->d_name));
    }
    closedir(dir);
    return fds;
  }
  long limit = sysconf(_SC_OPEN_MAX);
  if (limit <= 0 || limit > 65536) limit = 65536;
  for (int fd = 0; fd < limit; ++fd) fds.push_back(fd);
  return fds;
}

}  // namespace

ConnectionWatch ConnectionWatch::find(const std::string& remoteAddress, int remotePort, int localPort) {
  ConnectionWatch watch;
  if (remoteAddress.empty() || remotePort <= 0 || localPort <= 0) return watch;
  for (int fd : openDescriptors()) {
    if (matches(fd, remoteAddress, remotePort, localPort)) {
      watch.fd_ = fd;
      break;
    }
  }
  return watch;
}

bool ConnectionWatch::peerClosed() const {
  if (fd_ < 0) return false;
  char byte;
  ssize_t n = recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return false;   // data waiting (a pipelined request): alive
  if (n == 0) return true;   // orderly shutdown by the peer
  return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;  // reset, ...
}

#else

ConnectionWatch ConnectionWatch::find(const std::string&, int, int) { return {}; }
bool ConnectionWatch::peerClosed() const { return false; }

#endif

}  // namespace fd::api
