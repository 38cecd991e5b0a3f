// The server's workers (http_server_impl.h): run the handler for a request,
// write its answer (whole or streamed) and keep the connection for the next
// request or drain and close it.

#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <mutex>
#include <utility>

#include "service/http_send.h"
#include "service/http_server_impl.h"
#include "service/http_syntax.h"

namespace fd::http {

void Server::Impl::workerLoop() {
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

void Server::Impl::run(Job& job) {
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

void Server::Impl::finishStreamed(Job& job, Exchange& exchange) {
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

void Server::Impl::keepOrDrain(Job& job, bool close) {
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

}  // namespace fd::http
