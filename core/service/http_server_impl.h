#pragma once
// The HTTP server's state (http_server.h), shared by its files:
// http_server.cpp (the public class), http_request_reader.cpp (request line,
// headers, framing, admit, body and chunks), http_server_io.cpp (the I/O
// thread: accept, poll, deadlines), http_server_workers.cpp (handlers run,
// answers written, connections kept or drained).

#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "service/http_server.h"
#include "service/http_upload_budget.h"

namespace fd::http {

struct Server::Impl {
  using Clock = std::chrono::steady_clock;

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

  // The numeric host and port of a socket address.
  static void endpoint(const sockaddr_storage& address, socklen_t length, std::string& host,
                       int& port);

  // Reading requests (http_request_reader.cpp).
  // The answer the server gives by itself; the connection closes after it.
  void fail(std::unique_ptr<Conn> conn, int status, const std::string& allow = "");
  // One header line (without its line end).
  int headerLine(Conn& c, const std::string& line);
  int requestLine(Conn& c, const std::string& line);
  // After the empty line: framing, then admit. 0 to go on.
  int headDone(std::unique_ptr<Conn>& conn);
  void finishRefused(std::unique_ptr<Conn>& conn, Response res);
  // Parses what `conn` has; may hand it to a worker (conn becomes null).
  void process(std::unique_ptr<Conn>& conn);
  void compact(Conn& c);
  void dispatch(std::unique_ptr<Conn>& conn);

  // The I/O thread (http_server_io.cpp).
  // A request that did not arrive in time is logged like an answered one.
  void logTimeout(Conn& c, Clock::time_point now);
  void closeConn(Conn& c, int status = 0);
  void acceptAll();
  void ioLoop();

  // The workers (http_server_workers.cpp).
  void workerLoop();
  void run(Job& job);
  // After a streamed answer: the last chunk, the log line, then the
  // connection is kept (HTTP/1.1) or closed like any other answer.
  void finishStreamed(Job& job, Exchange& exchange);
  void keepOrDrain(Job& job, bool close);
};

}  // namespace fd::http
