// The red-team findings against the API's HTTP layer, each with raw
// sockets on 127.0.0.1 against the in-process ApiServer (fake engine):
// slow and idle connections, memory, header values as sent, pipelining,
// half-close, bytes after the JSON, Range, and the strict framing rules.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QCoreApplication>
#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "service/api_log_entry.h"
#include "service/api_server.h"
#include "service/fake_image_engine.h"
#include "service/image_library.h"
#include "service/job_queue.h"
#include "service/qt_test_app.h"
#include "support/test_paths.h"

namespace fd::test {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

long rssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

struct Reply {
  int status = 0;  // 0: no answer
  std::string head;
  std::string body;
  bool has(const std::string& text) const { return head.find(text) != std::string::npos; }
};

// One raw TCP connection.
class Raw {
 public:
  explicit Raw(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(uint16_t(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~Raw() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool connected() const { return connected_; }
  // False once the server closed or reset the connection.
  bool send(const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += size_t(n);
    }
    return true;
  }
  void shutdownWrite() { ::shutdown(fd_, SHUT_WR); }
  // The next final answer (1xx skipped); status 0 when none came in time.
  Reply read(double timeoutSeconds = 10) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(int(timeoutSeconds * 1000));
    Reply reply;
    while (true) {
      size_t end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::string head = buffer_.substr(0, end + 4);
        int status = std::atoi(head.c_str() + 9);
        if (status >= 100 && status < 200) {
          buffer_.erase(0, end + 4);
          continue;
        }
        size_t length = 0;
        size_t at = head.find("Content-Length: ");
        if (at != std::string::npos) length = std::stoul(head.substr(at + 16));
        if (buffer_.size() >= end + 4 + length) {
          reply.status = status;
          reply.head = head;
          reply.body = buffer_.substr(end + 4, length);
          buffer_.erase(0, end + 4 + length);
          return reply;
        }
      }
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return reply;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, int(left)) <= 0) continue;
      char chunk[65536];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return reply;
      buffer_.append(chunk, size_t(n));
    }
  }
  // True when the server closed the connection within the time.
  bool closedWithin(double seconds) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(int(seconds * 1000));
    char chunk[4096];
    while (Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return true;
    }
    return false;
  }
  // Everything received until `text` appears (or the time is up).
  std::string readUntil(const std::string& text, double timeoutSeconds = 10) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(int(timeoutSeconds * 1000));
    while (buffer_.find(text) == std::string::npos && Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char chunk[65536];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      buffer_.append(chunk, size_t(n));
    }
    return buffer_;
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

class HttpHardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    library_ = std::make_unique<ImageLibrary>(QString::fromStdString(dir_.path().string()));
    queue_ = std::make_unique<JobQueue>(engine_, library_.get(), 16);
    server_ = std::make_unique<ApiServer>(queue_.get());
  }
  void TearDown() override {
    engine_->open();
    server_.reset();
    queue_.reset();
  }
  void start(ApiServerConfig config = {}) {
    config.port = 0;
    ASSERT_TRUE(server_->start(config).ok());
    port_ = server_->port();
    host_ = "127.0.0.1:" + std::to_string(port_);
  }
  std::string get(const std::string& path, const std::string& extra = "") {
    return "GET " + path + " HTTP/1.1\r\nHost: " + host_ + "\r\n" + extra + "\r\n";
  }
  std::string post(const std::string& path, const std::string& body,
                   const std::string& extra = "") {
    return "POST " + path + " HTTP/1.1\r\nHost: " + host_ +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n" + extra + "\r\n" + body;
  }
  Reply once(const std::string& request, double timeout = 10) {
    Raw raw(port_);
    raw.send(request);
    return raw.read(timeout);
  }
  // Seconds until /health answers on a new connection (99 when it does not).
  double healthSeconds() {
    const auto start = Clock::now();
    Reply reply = once(get("/health"), 10);
    return reply.status == 200 ? secondsSince(start) : 99;
  }

  TempDir dir_{"api_hardening"};
  std::shared_ptr<FakeImageEngine> engine_ = std::make_shared<FakeImageEngine>();
  std::unique_ptr<ImageLibrary> library_;
  std::unique_ptr<JobQueue> queue_;
  std::unique_ptr<ApiServer> server_;
  int port_ = 0;
  std::string host_;
};

TEST_F(HttpHardeningTest, HealthAnswersWithinASecondUnderSlowAndIdleConnections) {
  start();
  // 64 idle keep-alive connections, each after one answered request.
  std::vector<std::unique_ptr<Raw>> idle;
  for (int i = 0; i < 64; ++i) {
    idle.push_back(std::make_unique<Raw>(port_));
    idle.back()->send(get("/health"));
    ASSERT_EQ(idle.back()->read().status, 200);
  }
  // 24 slowloris sockets sending their heads a byte at a time.
  std::atomic<bool> done{false};
  std::thread slow([&] {
    std::vector<std::unique_ptr<Raw>> sockets;
    const std::string head =
        "POST /v1/images/generations HTTP/1.1\r\nHost: " + host_ +
        "\r\nContent-Type: application/json\r\nX-Pad: " + std::string(400, 'a') + "\r\n";
    std::vector<size_t> at(24, 0);
    for (int i = 0; i < 24; ++i) sockets.push_back(std::make_unique<Raw>(port_));
    while (!done) {
      for (int i = 0; i < 24; ++i) {
        if (!sockets[i]->send(std::string(1, head[at[i] % head.size()]))) {
          sockets[i] = std::make_unique<Raw>(port_);  // closed by its deadline: come back
          at[i] = 0;
          continue;
        }
        ++at[i];
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  double worst = 0;
  for (int i = 0; i < 12; ++i) {
    worst = std::max(worst, healthSeconds());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  done = true;
  slow.join();
  RecordProperty("health_worst_ms", int(worst * 1000));
  std::printf("worst /health latency under 24 slow + 64 idle connections: %.1f ms\n", worst * 1000);
  EXPECT_LT(worst, 1.0);
  // The idle ones were closed by the keep-alive timeout (2 s).
  EXPECT_TRUE(idle.front()->closedWithin(1.0));
}

TEST_F(HttpHardeningTest, WhateverIsSentRssGrowsLessThan64MiB) {
  start();
  EXPECT_EQ(healthSeconds() < 1, true);
  const long before = rssKiB();
  std::atomic<long> peak{before};
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    while (!done) {
      peak = std::max(peak.load(), rssKiB());
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  const std::string block(64 * 1024, 'a');
  auto stream = [&](const std::string& start, const std::string& unit, size_t total) {
    Raw raw(port_);
    if (!raw.send(start)) return;
    for (size_t sent = 0; sent < total; sent += unit.size()) {
      if (!raw.send(unit)) return;  // the server gave up on it: good
    }
  };
  std::string tinyHeaders;
  for (int i = 0; i < 10000; ++i) tinyHeaders += "a:b\r\n";
  std::vector<std::thread> attackers;
  for (int round = 0; round < 4; ++round) {
    // A 16 MiB request line.
    attackers.emplace_back([&] { stream("GET /", block, 16u << 20); });
    // A million tiny headers.
    attackers.emplace_back(
        [&] { stream("GET /health HTTP/1.1\r\nHost: " + host_ + "\r\n", tinyHeaders, 5u << 20); });
    // A 16 MiB header line.
    attackers.emplace_back([&] { stream("GET /health HTTP/1.1\r\nX-A: ", block, 16u << 20); });
    // A 16 MiB chunk-size line.
    attackers.emplace_back([&] {
      stream("POST /v1/images/generations HTTP/1.1\r\nHost: " + host_ +
                 "\r\nTransfer-Encoding: chunked\r\n\r\n",
             std::string(64 * 1024, '1'), 16u << 20);
    });
    // Chunked bodies, 16 MiB, to the endpoint and to other paths.
    for (const char* path : {"/v1/images/generations", "/health", "/nowhere"}) {
      attackers.emplace_back([&, path] {
        stream(std::string("POST ") + path + " HTTP/1.1\r\nHost: " + host_ +
                   "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
               "10000\r\n" + block + "\r\n", 16u << 20);
      });
    }
    // A huge Content-Length.
    attackers.emplace_back([&] {
      stream("POST /v1/images/generations HTTP/1.1\r\nHost: " + host_ +
                 "\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n",
             block, 16u << 20);
    });
  }
  // 160 connections (beyond the server's 128) each holding a nearly
  // complete 64 KiB body, kept open while the rest runs.
  std::vector<std::unique_ptr<Raw>> held;
  for (int i = 0; i < 160; ++i) {
    held.push_back(std::make_unique<Raw>(port_));
    held.back()->send("POST /v1/images/generations HTTP/1.1\r\nHost: " + host_ +
                      "\r\nContent-Type: application/json\r\nContent-Length: 65536\r\n\r\n" +
                      std::string(65000, 'x'));
  }
  for (auto& t : attackers) t.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LT(healthSeconds(), 1.0);
  held.clear();
  done = true;
  sampler.join();
  const long growthMiB = (peak - before) / 1024;
  std::printf("RSS before %ld KiB, peak %ld KiB: growth %ld MiB\n", before, peak.load(), growthMiB);
  EXPECT_LT(growthMiB, 64);
  EXPECT_LT(healthSeconds(), 1.0);
}

TEST_F(HttpHardeningTest, LimitsAnswerWithTheirStatus) {
  start();
  EXPECT_EQ(
      once("GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: " + host_ + "\r\n\r\n").status,
      414);
  std::string many;
  for (int i = 0; i < 200; ++i) many += "a" + std::to_string(i) + ": b\r\n";
  EXPECT_EQ(once(get("/health", many)).status, 431);
  EXPECT_EQ(once(get("/health", "X-Big: " + std::string(20000, 'b') + "\r\n")).status, 431);
  Reply chunked = once("POST /v1/images/generations HTTP/1.1\r\nHost: " + host_ +
                       "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                       std::string(5000, '1') + "\r\n");
  EXPECT_TRUE(chunked.status == 400 || chunked.status == 413) << chunked.status;
}

TEST_F(HttpHardeningTest, HeaderValuesAreComparedAsSent) {
  ApiServerConfig config;
  config.apiKey = "k%41y";
  start(config);
  Raw raw(port_);
  raw.send("GET /health HTTP/1.1\r\nHost: localhost%00.evil.com\r\n\r\n");
  EXPECT_EQ(raw.read().status, 403);
  EXPECT_EQ(once(get("/v1/models", "Authorization: Bearer k%41y\r\n")).status, 200);
  EXPECT_EQ(once(get("/v1/models", "Authorization: Bearer kAy\r\n")).status, 401);
  EXPECT_EQ(once(get("/v1/models", "x-api-key: k%41y\r\n")).status, 200);
}

TEST_F(HttpHardeningTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  Raw raw(port_);
  const std::string body = R"({"prompt": "pipelined", "size": "256x256"})";
  raw.send(get("/health") + post("/v1/images/generations", body) + get("/nowhere") +
           get("/v1/models"));
  Reply first = raw.read();
  Reply second = raw.read();
  Reply third = raw.read();
  Reply fourth = raw.read();
  EXPECT_EQ(first.status, 200);
  EXPECT_NE(first.body.find("\"status\""), std::string::npos);
  EXPECT_EQ(second.status, 200);
  EXPECT_NE(second.body.find("b64_json"), std::string::npos);
  EXPECT_EQ(third.status, 404);
  EXPECT_EQ(fourth.status, 200);
  EXPECT_NE(fourth.body.find("\"list\""), std::string::npos);
}

TEST_F(HttpHardeningTest, AHalfClosedClientIsAnswered) {
  start();
  engine_->close();  // the job waits a little, so the FIN arrives first
  Raw raw(port_);
  raw.send(post("/v1/images/generations", R"({"prompt": "half-closed", "size": "256x256"})"));
  raw.shutdownWrite();
  std::thread opener([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    engine_->open();
  });
  Reply reply = raw.read(10);
  opener.join();
  EXPECT_EQ(reply.status, 200) << reply.head;
  EXPECT_NE(reply.body.find("b64_json"), std::string::npos);
}

TEST_F(HttpHardeningTest, BytesAfterTheJsonAre400) {
  start();
  const std::string json = R"({"prompt": "a", "size": "256x256"})";
  for (const std::string& tail :
       {std::string(1, '\0'), std::string("\0\0x", 3), std::string(" x"), std::string("{}")}) {
    Reply reply = once(post("/v1/images/generations", json + tail));
    EXPECT_EQ(reply.status, 400) << reply.body.substr(0, 200);
  }
  EXPECT_EQ(once(post("/v1/images/generations", json + " \r\n")).status, 200);
}

TEST_F(HttpHardeningTest, RangeIsIgnored) {
  start();
  Reply missing = once(get("/nowhere", "Range: bytes=0-10\r\n"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("\"error\""), std::string::npos);
  EXPECT_EQ(missing.body.back(), '}');
  Reply health = once(get("/health", "Range: bytes=0-3\r\n"));
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body.back(), '}');
  EXPECT_FALSE(health.has("Content-Range"));
}

TEST_F(HttpHardeningTest, FramingAndAuthenticationRules) {
  ApiServerConfig config;
  config.apiKey = "secret";
  start(config);
  // The key is checked before the body is read: answered at once, body never sent.
  {
    const auto t = Clock::now();
    Reply reply = once("POST /v1/images/generations HTTP/1.1\r\nHost: " + host_ +
                       "\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n");
    EXPECT_EQ(reply.status, 401);
    EXPECT_LT(secondsSince(t), 1.0);
    EXPECT_TRUE(reply.has("Connection: close"));
  }
  // No Content-Length nor Transfer-Encoding: an empty body, answered at once.
  {
    const auto t = Clock::now();
    Reply reply =
        once("POST /v1/images/generations HTTP/1.1\r\nHost: " + host_ +
             "\r\nAuthorization: Bearer secret\r\nContent-Type: application/json\r\n\r\n");
    EXPECT_EQ(reply.status, 400);
    EXPECT_LT(secondsSince(t), 1.0);
  }
  EXPECT_EQ(
      once("GET /health HTTP/1.1\r\nHost: " + host_ + "\r\nHost: " + host_ + "\r\n\r\n").status,
      400);
  EXPECT_EQ(once(post("/v1/images/generations", "{}", "Content-Length: 3\r\n")).status, 400);
  EXPECT_EQ(once("POST /v1/images/generations HTTP/1.1\r\nHost: " + host_ +
                 "\r\nAuthorization: Bearer secret\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
                .status,
            501);
  EXPECT_EQ(once("POST /v1/images/generations HTTP/1.1\r\nHost: " + host_ +
                 "\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n")
                .status,
            400);
  Reply trace = once("TRACE /health HTTP/1.1\r\nHost: " + host_ + "\r\n\r\n");
  EXPECT_EQ(trace.status, 405);
  EXPECT_TRUE(trace.has("Allow: "));
  EXPECT_EQ(once("BREW /health HTTP/1.1\r\nHost: " + host_ + "\r\n\r\n").status, 501);
  EXPECT_EQ(once("GET /health HTTP/2.0\r\nHost: " + host_ + "\r\n\r\n").status, 505);
  EXPECT_EQ(once("GET /health HTTP/1.1\r\nHost : " + host_ + "\r\n\r\n").status, 400);
  EXPECT_EQ(once("GET /health HTTP/1.1\r\nHost: " + host_ + "\r\n folded\r\n\r\n").status, 400);
  // A valid chunked request with the key works.
  const std::string json = R"({"prompt": "chunked", "size": "256x256"})";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", json.size());
  Reply ok = once("POST /v1/images/generations HTTP/1.1\r\nHost: " + host_ +
                  "\r\nAuthorization: Bearer secret\r\nContent-Type: "
                  "application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                  size + "\r\n" + json + "\r\n0\r\n\r\n");
  EXPECT_EQ(ok.status, 200) << ok.body;
  // Expect: 100-continue gets its interim answer once the head passed the checks.
  {
    Raw client(port_);
    client.send("POST /v1/images/generations HTTP/1.1\r\nHost: " + host_ +
                "\r\nAuthorization: Bearer secret\r\nContent-Type: application/json\r\nExpect: "
                "100-continue\r\n"
                "Content-Length: " +
                std::to_string(json.size()) + "\r\n\r\n");
    pollfd p{client.fd(), POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 2000), 1);
    char interim[64] = {};
    ASSERT_GT(::recv(client.fd(), interim, 12, MSG_PEEK), 0);
    EXPECT_EQ(std::string(interim, 12), "HTTP/1.1 100");
    client.send(json);
    EXPECT_EQ(client.read().status, 200);
  }
  EXPECT_EQ(once(get("/health", "Expect: something\r\n")).status, 417);
  // HEAD: the headers of GET, no body.
  Raw raw(port_);
  raw.send("HEAD /health HTTP/1.1\r\nHost: " + host_ + "\r\nConnection: close\r\n\r\n");
  std::string all;
  char chunk[4096];
  ssize_t n;
  while ((n = ::recv(raw.fd(), chunk, sizeof chunk, 0)) > 0) all.append(chunk, size_t(n));
  EXPECT_EQ(all.rfind("HTTP/1.1 200 ", 0), 0u) << all;
  EXPECT_NE(all.find("Content-Length: "), std::string::npos);
  EXPECT_EQ(all.size(), all.find("\r\n\r\n") + 4) << all;
}

TEST_F(HttpHardeningTest, AbsoluteFormTargetsAreAcceptedWithTheirAuthorityAsHost) {
  start();
  // RFC 9112 3.2.2: the target's authority replaces the Host header.
  Reply ok = once("GET http://" + host_ + "/health HTTP/1.1\r\nHost: elsewhere.example\r\n\r\n");
  EXPECT_EQ(ok.status, 200) << ok.head;
  EXPECT_EQ(once("GET http://" + host_ + "/health?x=1 HTTP/1.1\r\n\r\n").status, 200);
  EXPECT_EQ(once("GET HTTP://" + host_ + " HTTP/1.1\r\n\r\n").status, 404);  // path "/"
  // ... so a rebinding name in the target is refused like one in Host.
  EXPECT_EQ(once("GET http://evil.example:" + std::to_string(port_) +
                 "/health HTTP/1.1\r\nHost: " + host_ + "\r\n\r\n")
                .status,
            403);
  EXPECT_EQ(once("GET ftp://" + host_ + "/health HTTP/1.1\r\nHost: " + host_ + "\r\n\r\n").status,
            400);
  EXPECT_EQ(
      once("GET http://user@" + host_ + "/health HTTP/1.1\r\nHost: " + host_ + "\r\n\r\n").status,
      400);
  EXPECT_EQ(once("GET http:///health HTTP/1.1\r\nHost: " + host_ + "\r\n\r\n").status, 400);
  const std::string json = R"({"prompt": "a", "size": "256x256"})";
  Reply generated = once("POST http://" + host_ +
                         "/v1/images/generations HTTP/1.1\r\nContent-Type: "
                         "application/json\r\nContent-Length: " +
                         std::to_string(json.size()) + "\r\n\r\n" + json);
  EXPECT_EQ(generated.status, 200) << generated.body.substr(0, 200);
}

TEST_F(HttpHardeningTest, ARequestThatTimesOutIsLogged) {
  start();
  std::mutex mutex;
  std::vector<int> statuses;
  QObject::connect(
      server_.get(), &ApiServer::requestLogged, server_.get(),
      [&](const ApiLogEntry& entry) {
        std::lock_guard<std::mutex> lock(mutex);
        statuses.push_back(entry.status);
      },
      Qt::DirectConnection);
  Raw slow(port_);
  slow.send("GET /health HTTP/1.1\r\nHost: " + host_ + "\r\n");  // the head never ends
  Reply reply = slow.read(8);
  EXPECT_EQ(reply.status, 408);
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  while (Clock::now() < deadline) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!statuses.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_EQ(statuses, std::vector<int>{408});
}

TEST_F(HttpHardeningTest, AStreamIsChunkedAndItsClientLeavingCancelsTheJob) {
  start();
  engine_->stepDelayMs = 500;
  const std::string body =
      R"({"prompt": "a stream", "size": "256x256", "steps": 4, "stream": true, "partial_images": 3})";
  {
    Raw raw(port_);
    raw.send(post("/v1/images/generations", body));
    const std::string first = raw.readUntil("image_generation.partial_image", 10);
    EXPECT_NE(first.find("HTTP/1.1 200"), std::string::npos) << first.substr(0, 300);
    EXPECT_NE(first.find("Transfer-Encoding: chunked"), std::string::npos);
    EXPECT_NE(first.find("Content-Type: text/event-stream"), std::string::npos);
    EXPECT_EQ(first.find("Content-Length"), std::string::npos);
    EXPECT_NE(first.find("image_generation.partial_image"), std::string::npos);
    EXPECT_EQ(queue_->pendingCount(), 1);
  }  // the client leaves after the first partial image
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (queue_->pendingCount() > 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(queue_->pendingCount(), 0) << "the job of a stream whose client left still runs";
  EXPECT_TRUE(library_->records().empty()) << "a cancelled stream's image was kept";

  // HTTP/1.0: no chunks, the stream ends with the connection.
  engine_->stepDelayMs = 0;
  Raw old(port_);
  old.send("POST /v1/images/generations HTTP/1.0\r\nHost: " + host_ +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body);
  const std::string whole = old.readUntil("no-such-text", 10);
  EXPECT_NE(whole.find("Connection: close"), std::string::npos) << whole.substr(0, 300);
  EXPECT_EQ(whole.find("Transfer-Encoding"), std::string::npos);
  EXPECT_NE(whole.find("event: image_generation.completed"), std::string::npos);
}

}  // namespace
}  // namespace fd::test
