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
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <thread>

#include "service/http_send.h"
#include "service/http_syntax.h"
#include "service/http_upload_budget.h"

namespace fd::http {

namespace {

using Clock = std::chrono::steady_clock;

void endpoint(const sockaddr_storage& address, socklen_t length, std::string& host, int& port) {
  char hostText[NI_MAXHOST] = "";
  char portText[NI_MAXSERV] = "0";
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, hostText, sizeof hostText,
                  portText, sizeof portText, NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    host = hostText;
    port = std::atoi(portText);
  }
}
}  // namespace

struct Server::Impl {
  enum class Phase { Idle, Head, Body, Drain };

  struct Conn {
    int fd = -1;
    std::string in;  // bytes read, not yet consumed
    size_t pos = 0;  // next unparsed byte of `in`
    Phase phase = Phase::Idle;
    Clock::time_point deadline;
    Clock::time_point started;
    Clock::time_point lastActive;
    bool fin = false;
    std::string remoteAddress;
    int remotePort = 0;
    int localPort = 0;
    // The request being read.
    Request req;
    bool haveRequestLine = false;
    int blankLines = 0;
    size_t headBytes = 0;
    bool chunked = false;
    size_t contentLength = 0;
    enum class Chunk { Size, Data, DataEnd, Trailer } chunk = Chunk::Size;
    size_t chunkLeft = 0;
    size_t trailerLines = 0;
    Response pre;           // what admit set (CORS headers)
    std::string authority;  // of an absolute-form target
    size_t bodyLimit = 0;   // what Admit allowed this request
    UploadReservation upload;

    void resetRequest() {
      req = Request{};
      req.remoteAddress = remoteAddress;
      req.remotePort = remotePort;
      req.localPort = localPort;
      haveRequestLine = false;
      blankLines = 0;
      headBytes = 0;
      chunked = false;
      contentLength = 0;
      chunk = Chunk::Size;
      chunkLeft = 0;
      trailerLines = 0;
      pre = Response{};
      authority.clear();
      bodyLimit = 0;
      upload.release();
    }
  };

  struct Job {
    std::unique_ptr<Conn> conn;
    Request req;
    Response res;
    bool handle = false;  // false: `res` is the answer already
    Clock::time_point started;
  };

  Limits limits;
  Admit admit;
  Handler handler;
  ErrorBody errorBody;
  Logger logger;

  int listenFd = -1;
  int wake[2] = {-1, -1};
  std::atomic<bool> stopping{false};
  std::atomic<size_t> uploadsInFlight{0};  // bytes of uploads being read or handled
  std::thread io;
  std::vector<std::thread> workers;

  std::mutex mutex;
  std::condition_variable jobReady;
  std::deque<Job> jobs;
  std::vector<std::unique_ptr<Conn>> returned;  // keep-alive connections back from the workers

  std::list<std::unique_ptr<Conn>> conns;  // I/O thread only

  size_t readCap() const { return limits.maxHeadBytes + limits.maxBodyBytes + 16 * 1024; }

  void wakeIo() {
    char b = 1;
    [[maybe_unused]] ssize_t n = ::write(wake[1], &b, 1);
  }

  void enqueue(Job job) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      jobs.push_back(std::move(job));
    }
    jobReady.notify_one();
  }

  // The answer the server gives by itself; the connection closes after it.
  void fail(std::unique_ptr<Conn> conn, int status, const std::string& allow = "") {
    Job job;
    job.req = std::move(conn->req);
    job.res.status = status;
    job.res.close = true;
    if (!allow.empty()) job.res.setHeader("Allow", allow);
    if (errorBody) errorBody(job.req, job.res);
    job.started = conn->started;
    job.conn = std::move(conn);
    enqueue(std::move(job));
  }

  // One header line (without its line end).
  int headerLine(Conn& c, const std::string& line) {
    if (c.req.headers.size() >= limits.maxHeaders) return 431;
    if (line[0] == ' ' || line[0] == '\t') return 400;  // obsolete line folding
    size_t colon = line.find(':');
    if (colon == std::string::npos) return 400;
    std::string name = line.substr(0, colon);
    if (!isToken(name)) return 400;  // also whitespace before the colon
    std::string value = trimOws(line.substr(colon + 1));
    for (unsigned char ch : value) {
      if ((ch < 0x20 && ch != '\t') || ch == 0x7f) return 400;  // NUL, CR, LF, other controls
    }
    c.req.headers.emplace_back(lower(name), std::move(value));
    return 0;
  }

  int requestLine(Conn& c, const std::string& line) {
    size_t s1 = line.find(' ');
    size_t s2 = s1 == std::string::npos ? std::string::npos : line.find(' ', s1 + 1);
    if (s2 == std::string::npos || line.find(' ', s2 + 1) != std::string::npos) return 400;
    c.req.method = line.substr(0, s1);
    c.req.target = line.substr(s1 + 1, s2 - s1 - 1);
    const std::string version = line.substr(s2 + 1);
    if (!isToken(c.req.method) || c.req.target.empty()) return 400;
    if (version.size() != 8 || version.compare(0, 5, "HTTP/") != 0 ||
        !std::isdigit((unsigned char)version[5]) || version[6] != '.' ||
        !std::isdigit((unsigned char)version[7])) {
      return 400;
    }
    if (version[5] != '1') return 505;
    c.req.minorVersion = version[7] - '0';
    for (unsigned char ch : c.req.target) {
      if (ch <= 0x20 || ch >= 0x7f) return 400;
    }
    if (c.req.target == "*") {
      c.req.path = "*";
      return 0;
    }
    std::string origin = c.req.target;
    if (c.req.target[0] != '/') {
      // absolute-form (RFC 9112 3.2.2), as proxies and some clients send
      // it: the authority stands in for Host (see headDone).
      auto split = splitAbsoluteTarget(c.req.target);
      if (!split) return 400;
      c.authority = split->first;
      origin = split->second;
    }
    std::string raw = origin.substr(0, origin.find('?'));
    if (!decodePath(raw, c.req.path)) return 400;
    return 0;
  }

  // After the empty line: framing, then admit. 0 to go on.
  int headDone(std::unique_ptr<Conn>& conn) {
    Conn& c = *conn;
    Request& req = c.req;
    if (req.headerCount("host") > 1) return 400;  // none: admit answers missing_host
    if (!c.authority.empty()) {
      // RFC 9112 3.2.2: the target's authority replaces any Host header.
      req.headers.erase(std::remove_if(req.headers.begin(), req.headers.end(),
                                       [](const auto& header) { return header.first == "host"; }),
                        req.headers.end());
      req.headers.emplace_back("host", c.authority);
    }
    const size_t lengths = req.headerCount("content-length");
    const size_t codings = req.headerCount("transfer-encoding");
    if (lengths && codings) return 400;
    if (lengths) {
      std::string seen;
      for (const auto& [name, value] : req.headers) {
        if (name != "content-length") continue;
        for (const std::string& item : listElements(value)) {
          if (item.empty() || item.size() > 18 || !std::all_of(item.begin(), item.end(), ::isdigit))
            return 400;
          if (!seen.empty() && std::stoull(item) != std::stoull(seen)) return 400;
          seen = item;
        }
      }
      if (seen.empty()) return 400;
      c.contentLength = size_t(std::stoull(seen));
    }
    if (codings) {
      if (req.minorVersion == 0) return 400;
      std::vector<std::string> all;
      for (const auto& [name, value] : req.headers) {
        if (name != "transfer-encoding") continue;
        for (const std::string& item : listElements(value)) all.push_back(lower(item));
      }
      if (all.empty()) return 400;
      for (const std::string& coding : all) {
        if (coding != "chunked") return 501;
      }
      if (all.size() != 1) return 400;  // chunked twice
      c.chunked = true;
    }
    const std::string expect = lower(trimOws(req.header("expect")));
    if (req.headerCount("expect") > 1 || (!expect.empty() && expect != "100-continue")) return 417;
    // admit first: a refused request hears why, not "too large"
    Response res;
    if (admit && !admit(req, res)) {
      finishRefused(conn, std::move(res));
      return -1;
    }
    c.bodyLimit = res.bodyLimit ? res.bodyLimit : limits.maxBodyBytes;
    if (c.contentLength > c.bodyLimit) return 413;
    if (c.contentLength > limits.maxBodyBytes || (c.chunked && c.bodyLimit > limits.maxBodyBytes)) {
      // An upload: its whole size (a chunked one's limit) is reserved now.
      if (!c.upload.reserve(uploadsInFlight, c.chunked ? c.bodyLimit : c.contentLength,
                            limits.maxUploadBytesInFlight)) {
        return 503;
      }
    }
    c.pre = std::move(res);
    if ((c.chunked || c.contentLength > 0) && expect == "100-continue" && req.minorVersion >= 1) {
      static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      [[maybe_unused]] ssize_t n =
          ::send(c.fd, kContinue, sizeof kContinue - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    return 0;
  }

  void finishRefused(std::unique_ptr<Conn>& conn, Response res) {
    Job job;
    job.req = std::move(conn->req);
    job.res = std::move(res);
    // A body that was announced stays unread: close after the answer.
    if (conn->chunked || conn->contentLength > 0) job.res.close = true;
    job.started = conn->started;
    job.conn = std::move(conn);
    enqueue(std::move(job));
  }

  // Parses what `conn` has; may hand it to a worker (conn becomes null).
  void process(std::unique_ptr<Conn>& conn) {
    if (conn->phase == Phase::Drain) return;
    while (conn) {
      Conn& c = *conn;
      if (c.phase == Phase::Idle || c.phase == Phase::Head) {
        if (c.pos >= c.in.size()) return;
        if (c.phase == Phase::Idle) {
          c.phase = Phase::Head;
          c.started = Clock::now();
          c.deadline = c.started + limits.headTimeout;
          c.resetRequest();
        }
        size_t nl = c.in.find('\n', c.pos);
        const size_t lineLimit = c.haveRequestLine ? limits.maxHeaderLine : limits.maxRequestLine;
        if (nl == std::string::npos) {
          if (c.in.size() - c.pos > lineLimit + 1)
            return fail(std::move(conn), c.haveRequestLine ? 431 : 414);
          if (c.headBytes + (c.in.size() - c.pos) > limits.maxHeadBytes)
            return fail(std::move(conn), 431);
          return;
        }
        std::string line = c.in.substr(c.pos, nl - c.pos);
        c.headBytes += nl + 1 - c.pos;
        c.pos = nl + 1;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.size() > lineLimit) return fail(std::move(conn), c.haveRequestLine ? 431 : 414);
        if (c.headBytes > limits.maxHeadBytes) return fail(std::move(conn), 431);
        if (line.find('\r') != std::string::npos || line.find('\0') != std::string::npos) {
          return fail(std::move(conn), 400);
        }
        if (!c.haveRequestLine) {
          if (line.empty()) {
            if (++c.blankLines > 4) return fail(std::move(conn), 400);
            continue;
          }
          if (int status = requestLine(c, line)) return fail(std::move(conn), status);
          c.haveRequestLine = true;
          continue;
        }
        if (!line.empty()) {
          if (int status = headerLine(c, line)) return fail(std::move(conn), status);
          continue;
        }
        // The head is complete.
        int status = headDone(conn);
        if (status < 0) return;  // answered (admit refused)
        if (status > 0) return fail(std::move(conn), status);
        c.in.erase(0, c.pos);
        c.pos = 0;
        if (!c.chunked && c.contentLength == 0) return dispatch(conn);
        c.phase = Phase::Body;
        c.deadline = Clock::now() + limits.bodyTimeout;
        if (!c.chunked) c.req.body.reserve(c.contentLength);
        continue;
      }
      // The body.
      if (!c.chunked) {
        size_t take = std::min(c.contentLength - c.req.body.size(), c.in.size() - c.pos);
        c.req.body.append(c.in, c.pos, take);
        c.pos += take;
        compact(c);
        if (c.req.body.size() == c.contentLength) return dispatch(conn);
        return;
      }
      if (c.chunk == Conn::Chunk::Data) {
        size_t take = std::min(c.chunkLeft, c.in.size() - c.pos);
        if (take == 0) return;
        if (c.req.body.size() + take > c.bodyLimit) return fail(std::move(conn), 413);
        c.req.body.append(c.in, c.pos, take);
        c.pos += take;
        c.chunkLeft -= take;
        compact(c);
        if (c.chunkLeft == 0) c.chunk = Conn::Chunk::DataEnd;
        continue;
      }
      size_t nl = c.in.find('\n', c.pos);
      const size_t lineLimit = c.chunk == Conn::Chunk::Trailer ? limits.maxHeaderLine : 1024;
      if (nl == std::string::npos) {
        if (c.in.size() - c.pos > lineLimit + 1)
          return fail(std::move(conn), c.chunk == Conn::Chunk::Trailer ? 431 : 400);
        return;
      }
      std::string line = c.in.substr(c.pos, nl - c.pos);
      c.pos = nl + 1;
      compact(c);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.size() > lineLimit || line.find('\r') != std::string::npos)
        return fail(std::move(conn), 400);
      if (c.chunk == Conn::Chunk::DataEnd) {
        if (!line.empty()) return fail(std::move(conn), 400);
        c.chunk = Conn::Chunk::Size;
        continue;
      }
      if (c.chunk == Conn::Chunk::Size) {
        std::string size = line.substr(0, line.find(';'));
        size = trimOws(size);
        if (size.empty() || size.size() > 8) {
          // more than 8 hex digits is beyond any body we accept
          if (!size.empty() && std::all_of(size.begin(), size.end(), ::isxdigit))
            return fail(std::move(conn), 413);
          return fail(std::move(conn), 400);
        }
        size_t value = 0;
        for (char ch : size) {
          int h = hexValue(ch);
          if (h < 0) return fail(std::move(conn), 400);
          value = value * 16 + size_t(h);
        }
        if (c.req.body.size() + value > c.bodyLimit) return fail(std::move(conn), 413);
        if (value == 0) {
          c.chunk = Conn::Chunk::Trailer;
        } else {
          c.chunkLeft = value;
          c.chunk = Conn::Chunk::Data;
        }
        continue;
      }
      // Trailer fields: read and dropped, bounded.
      if (line.empty()) return dispatch(conn);
      if (++c.trailerLines > limits.maxHeaders) return fail(std::move(conn), 431);
    }
  }

  void compact(Conn& c) {
    if (c.pos > 16 * 1024 && c.pos * 2 > c.in.size()) {
      c.in.erase(0, c.pos);
      c.pos = 0;
    }
  }

  void dispatch(std::unique_ptr<Conn>& conn) {
    Job job;
    job.req = std::move(conn->req);
    job.res = std::move(conn->pre);
    job.handle = true;
    job.started = conn->started;
    conn->in.erase(0, conn->pos);  // pipelined bytes stay for the next request
    conn->pos = 0;
    conn->in.shrink_to_fit();
    job.conn = std::move(conn);
    enqueue(std::move(job));
  }

  // A request that did not arrive in time is logged like an answered one.
  void logTimeout(Conn& c, Clock::time_point now) {
    if (!logger) return;
    Response res;
    res.status = 408;
    res.close = true;
    logger(c.req, res, std::chrono::duration<double>(now - c.started).count());
  }

  void closeConn(Conn& c, int status = 0) {
    if (status) {
      std::string text = "HTTP/1.1 " + std::to_string(status) + " " + reasonPhrase(status) +
                         "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      [[maybe_unused]] ssize_t n =
          ::send(c.fd, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    ::close(c.fd);
    c.fd = -1;
  }

  void acceptAll() {
    for (int i = 0; i < 64; ++i) {
      sockaddr_storage peer{};
      socklen_t peerLength = sizeof peer;
      int fd = ::accept4(listenFd, reinterpret_cast<sockaddr*>(&peer), &peerLength,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      if (conns.size() >= limits.maxConnections) {
        // Drop the connection that has waited longest without progress.
        auto oldest = std::min_element(
            conns.begin(), conns.end(),
            [](const auto& a, const auto& b) { return a->lastActive < b->lastActive; });
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

  void ioLoop() {
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

  void workerLoop() {
    while (true) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mutex);
        jobReady.wait(lock, [this] { return stopping || !jobs.empty(); });
        if (jobs.empty()) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      run(job);
    }
  }

  void run(Job& job) {
    Conn& c = *job.conn;
    Exchange exchange(c.fd, c.fin, job.req.minorVersion, job.req.method == "HEAD",
                      limits.writeTimeout, stopping);
    if (job.handle) {
      try {
        handler(job.req, job.res, exchange);
      } catch (...) {
        if (!exchange.streaming()) {
          job.res = Response{};
          job.res.status = 500;
          if (errorBody) errorBody(job.req, job.res);
        }
      }
    }
    if (exchange.streaming()) return finishStreamed(job, exchange);
    Response& res = job.res;
    const std::string connection = lower(job.req.header("connection"));
    bool close = res.close || job.req.minorVersion == 0 || c.fin || stopping ||
                 connection.find("close") != std::string::npos || job.req.method.empty();
    std::string head =
        "HTTP/1.1 " + std::to_string(res.status) + " " + reasonPhrase(res.status) + "\r\n";
    for (const auto& [name, value] : res.headers) {
      if (lower(name) == "content-length" || lower(name) == "connection") continue;
      head += name + ": " + value + "\r\n";
    }
    const bool noBody = res.status == 204 || res.status == 304 || res.status < 200;
    if (!noBody) head += "Content-Length: " + std::to_string(res.body.size()) + "\r\n";
    if (close) head += "Connection: close\r\n";
    head += "\r\n";
    const auto deadline = Clock::now() + limits.writeTimeout;
    bool ok = sendAll(c.fd, head, deadline, stopping);
    if (ok && !noBody && job.req.method != "HEAD") ok = sendAll(c.fd, res.body, deadline, stopping);
    const double seconds = std::chrono::duration<double>(Clock::now() - job.started).count();
    if (logger) logger(job.req, res, seconds);
    if (!ok) {
      ::close(c.fd);
      return;
    }
    keepOrDrain(job, close);
  }

  // After a streamed answer: the last chunk, the log line, then the
  // connection is kept (HTTP/1.1) or closed like any other answer.
  void finishStreamed(Job& job, Exchange& exchange) {
    const bool ok = exchange.finishStream();
    const double seconds = std::chrono::duration<double>(Clock::now() - job.started).count();
    if (logger) logger(job.req, job.res, seconds);
    if (!ok) {
      ::close(job.conn->fd);
      return;
    }
    const std::string connection = lower(job.req.header("connection"));
    const bool close = exchange.closesAfterStream() || job.conn->fin || stopping || job.res.close ||
                       connection.find("close") != std::string::npos;
    keepOrDrain(job, close);
  }

  void keepOrDrain(Job& job, bool close) {
    Conn& c = *job.conn;
    if (close) {
      // The I/O thread reads and drops what the client still sends for a
      // moment, so that closing with unread data does not reset the answer
      // away before the client read it.
      ::shutdown(c.fd, SHUT_WR);
      c.phase = Phase::Drain;
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!stopping) {
        returned.push_back(std::move(job.conn));
      }
    }
    if (job.conn) {
      ::close(c.fd);
      return;
    }
    wakeIo();
  }
};

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
  endpoint(local, length, ignored, bound);
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
