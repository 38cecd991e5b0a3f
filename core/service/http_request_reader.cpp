// Reading a request off a connection (http_server_impl.h): the request
// line, header lines, framing and admit after the empty line, then the body,
// whole or chunked; refusals answer and close.

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "service/http_send.h"
#include "service/http_server_impl.h"
#include "service/http_syntax.h"

namespace fd::http {

void Server::Impl::fail(std::unique_ptr<Conn> conn, int status, const std::string& allow) {
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

int Server::Impl::headerLine(Conn& c, const std::string& line) {
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

int Server::Impl::requestLine(Conn& c, const std::string& line) {
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

int Server::Impl::headDone(std::unique_ptr<Conn>& conn) {
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

void Server::Impl::finishRefused(std::unique_ptr<Conn>& conn, Response res) {
  Job job;
  job.req = std::move(conn->req);
  job.res = std::move(res);
  // A body that was announced stays unread: close after the answer.
  if (conn->chunked || conn->contentLength > 0) job.res.close = true;
  job.started = conn->started;
  job.conn = std::move(conn);
  enqueue(std::move(job));
}

void Server::Impl::process(std::unique_ptr<Conn>& conn) {
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

void Server::Impl::compact(Conn& c) {
  if (c.pos > 16 * 1024 && c.pos * 2 > c.in.size()) {
    c.in.erase(0, c.pos);
    c.pos = 0;
  }
}

void Server::Impl::dispatch(std::unique_ptr<Conn>& conn) {
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

}  // namespace fd::http
