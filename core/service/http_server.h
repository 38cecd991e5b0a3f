#pragma once
// A small strict HTTP/1.1 server for the local API (replaces cpp-httplib on
// the serving side; see core/service/README.md and the red-team issue).
//
// One I/O thread owns every connection that is not being answered: it
// accepts, reads request heads and bodies without blocking, and enforces
// hard limits (request line, header line, header count, head size, body
// size, per-connection memory, connection count) and deadlines for the
// whole head and the whole body, so slow or idle clients never hold a
// worker. A complete, bounded request goes to a worker thread, which runs
// the handler and writes the answer; a keep-alive connection then returns
// to the I/O thread, which answers pipelined requests in order.
//
// Before the body is read, `admit` sees the head (Host, key checks): a
// refused request is answered without reading its body and the connection
// is closed. Header values are kept exactly as sent (never
// percent-decoded). Range is never applied. Only the `chunked` transfer
// coding is understood (others: 501).

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace fd::http {

struct Request {
  std::string method;    // as sent (case-sensitive per RFC 9110)
  std::string target;    // as sent
  std::string path;      // percent-decoded path of the target, without the query
  int minorVersion = 1;  // HTTP/1.x
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, values as sent
  std::string body;
  std::string remoteAddress;
  int remotePort = 0;
  int localPort = 0;

  // The first value of the header (name case-insensitive); "" when absent.
  std::string header(const std::string& name) const;
  size_t headerCount(const std::string& name) const;
  bool hasHeader(const std::string& name) const { return headerCount(name) > 0; }
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool close = false;  // answer with Connection: close and close
  // Set by Admit: the largest body this request may send (0: the server's
  // Limits::maxBodyBytes). A larger one (an upload) is held against
  // Limits::maxUploadBytesInFlight while it is read and handled.
  size_t bodyLimit = 0;

  // What the request log needs (set by the handlers).
  std::string logUser, logSize, logError;
  int logN = 0;

  void setHeader(const std::string& name, const std::string& value);  // replaces
  std::string header(const std::string& name) const;
};

// The client side of a request being handled: whether the client is still
// there, and a streamed answer for handlers that send as they go
// (text/event-stream). Used by one handler thread only.
class Exchange {
 public:
  Exchange(int fd, bool finSeen, int minorVersion, bool headRequest,
           std::chrono::milliseconds writeTimeout, const std::atomic<bool>& stopping)
      : fd_(fd),
        fin_(finSeen),
        minorVersion_(minorVersion),
        head_(headRequest),
        writeTimeout_(writeTimeout),
        stopping_(stopping) {}

  // True once the client closed its connection (reset, or closed entirely).
  // A client that only half-closed its sending side is still there: after
  // its FIN, HTTP/1.1 clients get one "102 Processing" interim answer, and
  // only a reset in reply means it is gone. While streaming, no interim
  // answer can be sent: a failed send() tells instead. Never blocks or
  // consumes data.
  bool clientGone();

  // Sends the status line and `head`'s headers now; the body follows in
  // send() calls, framed as chunks (HTTP/1.1) or up to the close (1.0).
  // False when the client is gone.
  bool beginStream(const Response& head);
  // One piece of the streamed body, written before it returns (each piece
  // within the write timeout). False when the client is gone or slow.
  bool send(const std::string& data);
  bool streaming() const { return streaming_; }
  bool failed() const { return failed_; }
  // Ends the streamed body (the last chunk); false when that failed.
  bool finishStream();
  // Whether the connection must close after the stream (HTTP/1.0 framing).
  bool closesAfterStream() const { return minorVersion_ == 0; }

 private:
  bool write(const std::string& data);

  int fd_;
  bool fin_;
  int minorVersion_;
  bool head_;
  std::chrono::milliseconds writeTimeout_;
  const std::atomic<bool>& stopping_;
  bool probed_ = false;
  bool gone_ = false;
  bool streaming_ = false;
  bool failed_ = false;
};

struct Limits {
  size_t maxRequestLine = 8 * 1024;  // 414 beyond
  size_t maxHeaderLine = 8 * 1024;   // 431 beyond
  size_t maxHeaders = 100;           // 431 beyond
  size_t maxHeadBytes = 32 * 1024;   // request line plus headers; 431 beyond
  size_t maxBodyBytes = 64 * 1024;   // 413 beyond (Content-Length or chunked)
  // Uploads (bodies allowed beyond maxBodyBytes by Admit) of all connections
  // together; one more is answered 503 until others finish.
  size_t maxUploadBytesInFlight = 48ull << 20;
  size_t maxConnections = 128;  // beyond: the oldest connection not being answered is dropped
  std::chrono::milliseconds idleTimeout{2000};    // keep-alive: no byte of a next request
  std::chrono::milliseconds headTimeout{5000};    // the whole head, from its first byte
  std::chrono::milliseconds bodyTimeout{10000};   // the whole body, from the end of the head
  std::chrono::milliseconds writeTimeout{30000};  // the whole answer
  int workers = 8;
};

class Server {
 public:
  // Cheap checks on the head before any body is read (runs on the I/O
  // thread): false after filling `res` (then the body is not read and the
  // connection is closed).
  using Admit = std::function<bool(const Request& req, Response& res)>;
  using Handler = std::function<void(const Request& req, Response& res, Exchange& exchange)>;
  // Fills the body of an error the server answers by itself (status set).
  using ErrorBody = std::function<void(const Request& req, Response& res)>;
  using Logger = std::function<void(const Request& req, const Response& res, double seconds)>;

  Server(Limits limits, Admit admit, Handler handler, ErrorBody errorBody, Logger logger);
  ~Server();  // stop()

  // Binds and listens (port 0: any free port); the bound port, or -1.
  int bind(const std::string& host, int port);
  void start();  // the I/O and worker threads
  // Closes the listening socket and every idle connection, waits for the
  // workers to finish their answers, joins the threads.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

const char* reasonPhrase(int status);

}  // namespace fd::http
