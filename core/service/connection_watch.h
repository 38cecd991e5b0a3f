#pragma once
// Noticing that an HTTP client went away while its request waits.
//
// cpp-httplib 0.11.4 (Debian 12) has no Request::is_connection_closed and
// gives handlers no socket. But while a handler runs, its connection's
// socket stays open in this process, and the Request carries both ends'
// addresses: find() looks for the socket whose local port is the server's
// and whose peer is the client (POSIX getsockname/getpeername over the
// process's descriptors), and peerClosed() peeks at it without blocking:
// a read of 0 bytes (FIN) or a reset means the client is gone. Where the
// socket cannot be found (another platform), peerClosed() stays false and
// the request simply runs to its timeout.

#include <string>

namespace fd::api {

class ConnectionWatch {
 public:
  // A watch on the connection between the two endpoints ("" address:
  // nothing is watched).
  static ConnectionWatch find(const std::string& remoteAddress, int remotePort, int localPort);

  bool watching() const { return fd_ >= 0; }
  // True once the peer has closed or reset the connection. Never blocks,
  // never consumes data.
  bool peerClosed() const;

 private:
  int fd_ = -1;
};

}  // namespace fd::api
