// The in-process ApiServer on 127.0.0.1 with the fake engine: the shared
// suite, then what needs control over the engine (queue full, clients
// that leave, stopping mid-job, timeouts, failures) and the request log.
#include "service/api_server.h"

#include <gtest/gtest.h>

#include <QCoreApplication>
#include <chrono>
#include <future>
#include <thread>

#include "api/api_suite.h"
#include "service/api_security.h"
#include "service/fake_image_engine.h"
#include "service/image_library.h"
#include "service/job_queue.h"
#include "service/qt_test_app.h"
#include "support/test_paths.h"

namespace fd::test {
namespace {

using json = nlohmann::json;

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    library_ = std::make_unique<ImageLibrary>(QString::fromStdString(dir_.path().string()));
    queue_ = std::make_unique<JobQueue>(engine_, library_.get(), capacity_);
    server_ = std::make_unique<ApiServer>(queue_.get());
    QObject::connect(server_.get(), &ApiServer::requestLogged, &context_,
                     [this](const ApiLogEntry& entry) { log_.push_back(entry); });
  }
  void TearDown() override {
    engine_->open();
    server_.reset();
    queue_.reset();
  }
  ApiTarget start(ApiServerConfig config = {}) {
    config.port = 0;
    Status started = server_->start(config);
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
    EXPECT_GT(server_->port(), 0);
    return ApiTarget::fromBaseUrl(server_->baseUrl().toStdString(), config.apiKey);
  }
  // Runs a request on its own thread (the test thread keeps the Qt loop going).
  std::future<ApiReply> postAsync(const ApiTarget& target, json body, int timeoutSeconds = 60) {
    return std::async(std::launch::async, [target, body, timeoutSeconds] {
      RequestOptions options;
      options.timeoutSeconds = timeoutSeconds;
      return sendRequest(target, "/v1/images/generations", body.dump(), options);
    });
  }
  static json small(const std::string& prompt) {
    return json{{"prompt", prompt}, {"size", "256x256"}};
  }
  std::optional<JobInfo> jobWithPrompt(const std::string& prompt) {
    for (const JobInfo& job : queue_->jobs()) {
      if (job.request.prompt == prompt) return job;
    }
    return std::nullopt;
  }

  TempDir dir_{"api_server"};
  int capacity_ = 16;
  std::shared_ptr<FakeImageEngine> engine_ = std::make_shared<FakeImageEngine>();
  std::unique_ptr<ImageLibrary> library_;
  std::unique_ptr<JobQueue> queue_;
  std::unique_ptr<ApiServer> server_;
  QObject context_;
  std::vector<ApiLogEntry> log_;
};

TEST_F(ApiServerTest, PassesTheSharedSuiteAndKeepsEveryImage) {
  ApiTarget target = start();
  runApiSuite(target, ApiSuiteOptions{});
  // Every image the API made is in the library, marked as from the API.
  ASSERT_TRUE(waitFor([&] { return library_->count() == kSuiteImages; }, 5000))
      << library_->count();
  for (const ImageRecord& record : library_->records()) EXPECT_EQ(record.source, "api");
  EXPECT_EQ(library_->search("client ").size(), 8u);
}

TEST_F(ApiServerTest, EnforcesTheKeyAndAnswersCorsForAllowedOrigins) {
  ApiServerConfig config;
  config.apiKey = api::generateApiKey();
  config.allowedOrigins = {"http://localhost:5173"};
  ApiTarget target = start(config);
  expectApiKeyEnforced(target);
  expectCorsForAllowedOrigin(target, "http://localhost:5173");
  EXPECT_NE(server_->curlExample().indexOf(QString::fromStdString("Bearer " + config.apiKey)), -1);
}

class SmallQueueApiServerTest : public ApiServerTest {
 protected:
  SmallQueueApiServerTest() { capacity_ = 1; }
};

TEST_F(SmallQueueApiServerTest, AFullQueueAnswers429WithRetryAfter) {
  ApiTarget target = start();
  engine_->close();
  auto first = postAsync(target, small("first"));
  ASSERT_TRUE(engine_->waitUntilBlocked(5000));
  ApiReply refused = postJson(target, "/v1/images/generations", small("second"));
  EXPECT_EQ(refused.status, 429) << refused.describe();
  EXPECT_EQ(refused.json["error"].value("code", ""), "queue_full");
  EXPECT_GE(std::atoi(refused.header("Retry-After").c_str()), 1);
  EXPECT_EQ(getPath(target, "/health").json["queue"]["pending"], 1);
  engine_->open();
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(postJson(target, "/v1/images/generations", small("third")).status, 200);
}

TEST_F(ApiServerTest, AClientThatLeavesCancelsItsJob) {
  ApiTarget target = start();
  engine_->close();
  auto running = postAsync(target, small("running, client stays"));
  ASSERT_TRUE(engine_->waitUntilBlocked(5000));
  // This client gives up after 1 s and closes its connection while its job
  // is still queued.
  auto leaving = postAsync(target, small("queued, client leaves"), /*timeoutSeconds=*/1);
  ASSERT_TRUE(waitFor([&] { return jobWithPrompt("queued, client leaves").has_value(); }, 5000));
  EXPECT_FALSE(leaving.get().connected);
  EXPECT_TRUE(waitFor([&] { return !jobWithPrompt("queued, client leaves").has_value(); }, 5000))
      << "the queued job of a client that left should be cancelled";
  engine_->open();
  EXPECT_EQ(running.get().status, 200);
  queue_->waitForIdle(5000);
  EXPECT_EQ(engine_->ranPrompts(), std::vector<std::string>{"running, client stays"});

  // A running job is cancelled the same way.
  engine_->close();
  auto leavesWhileRunning = postAsync(target, small("running, client leaves"), 1);
  ASSERT_TRUE(engine_->waitUntilBlocked(5000));
  EXPECT_FALSE(leavesWhileRunning.get().connected);
  EXPECT_TRUE(waitFor([&] { return queue_->pendingCount() == 0; }, 5000));
  EXPECT_EQ(library_->search("client leaves").size(), 0u);
  ASSERT_TRUE(waitFor([&] {
    for (const auto& e : log_) {
      if (e.error == "client_disconnected") return true;
    }
    return false;
  }));
}

TEST_F(ApiServerTest, StoppingWhileAJobRunsCancelsItAndStartsAgain) {
  ApiTarget target = start();
  engine_->close();
  auto waiting = postAsync(target, small("interrupted"));
  auto queued = postAsync(target, small("interrupted too"));
  ASSERT_TRUE(engine_->waitUntilBlocked(5000));
  ASSERT_TRUE(waitFor([&] { return queue_->pendingCount() == 2; }, 5000));
  const auto before = std::chrono::steady_clock::now();
  server_->stop();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - before).count();
  EXPECT_LT(seconds, 5.0);
  EXPECT_FALSE(server_->isRunning());
  for (auto* reply : {&waiting, &queued}) {
    ApiReply r = reply->get();
    // Both requests were complete and waiting in a handler, so stop()
    // answers them (it closes only connections nobody answers): a closed
    // connection here would be a client left without its reason.
    EXPECT_TRUE(r.connected) << r.describe();
    if (!r.connected) continue;  // failed above; no body to look into
    EXPECT_EQ(r.status, 503) << r.describe();
    EXPECT_EQ(r.json["error"].value("code", ""), "server_stopping") << r.describe();
  }
  EXPECT_TRUE(waitFor([&] { return queue_->pendingCount() == 0; }, 5000));
  EXPECT_FALSE(getPath(target, "/health").connected);
  // Start again: works as before.
  engine_->open();
  ApiTarget again = start();
  EXPECT_EQ(postJson(again, "/v1/images/generations", small("after restart")).status, 200);
}

TEST_F(ApiServerTest, StartsAndStopsRepeatedlyAndReportsABusyPort) {
  for (int i = 0; i < 5; ++i) {
    ApiTarget target = start();
    EXPECT_EQ(getPath(target, "/health").status, 200);
    EXPECT_FALSE(server_->start(ApiServerConfig{}).ok());  // already running
    server_->stop();
    EXPECT_FALSE(getPath(target, "/health").connected);
  }
  server_->stop();  // twice is fine
  // A port in use is an error naming the address.
  ApiTarget target = start();
  ApiServer second(queue_.get());
  ApiServerConfig busy;
  busy.port = target.port;
  Status status = second.start(busy);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("127.0.0.1:" + std::to_string(target.port)),
            std::string::npos);
  ApiServerConfig badPort;
  badPort.port = 70000;
  EXPECT_FALSE(second.start(badPort).ok());
}

TEST_F(ApiServerTest, ARequestThatTakesTooLongTimesOutAndIsCancelled) {
  ApiServerConfig config;
  config.requestTimeoutSeconds = 1;
  ApiTarget target = start(config);
  engine_->close();
  ApiReply reply = postJson(target, "/v1/images/generations", small("too slow"));
  EXPECT_EQ(reply.status, 503) << reply.describe();
  EXPECT_EQ(reply.json["error"].value("code", ""), "timeout");
  EXPECT_TRUE(waitFor([&] { return queue_->pendingCount() == 0; }, 5000));
}

TEST_F(ApiServerTest, EngineFailuresAre500WithTheirMessage) {
  ApiTarget target = start();
  engine_->failNext = true;
  ApiReply reply = postJson(target, "/v1/images/generations", small("fails"));
  EXPECT_EQ(reply.status, 500) << reply.describe();
  EXPECT_EQ(reply.json["error"].value("type", ""), "server_error");
  EXPECT_NE(reply.json["error"].value("message", "").find("told to fail"), std::string::npos);
  // The SDKs would otherwise send the failing request again (twice by default).
  EXPECT_EQ(reply.header("x-should-retry"), "false");
  EXPECT_EQ(postJson(target, "/v1/images/generations", small("works")).status, 200);
}

TEST_F(ApiServerTest, LogsEachRequestWithoutPromptsOrImages) {
  ApiTarget target = start();
  json body = small("a secret prompt");
  body["user"] = "alice\nINJECTED";
  body["n"] = 2;
  ASSERT_EQ(postJson(target, "/v1/images/generations", body).status, 200);
  ASSERT_EQ(getPath(target, "/nowhere").status, 404);
  ASSERT_TRUE(waitFor([&] { return log_.size() >= 2; }));
  // Each line is logged after its answer is sent, so the order may vary.
  if (log_[0].path != "/v1/images/generations") std::swap(log_[0], log_[1]);
  const ApiLogEntry& generated = log_[0];
  EXPECT_EQ(generated.method, "POST");
  EXPECT_EQ(generated.path, "/v1/images/generations");
  EXPECT_EQ(generated.status, 200);
  EXPECT_EQ(generated.n, 2);
  EXPECT_EQ(generated.size, "256x256");
  EXPECT_EQ(generated.user, "alice?INJECTED");  // control characters never reach the log
  EXPECT_GT(generated.seconds, 0.0);
  EXPECT_TRUE(generated.remote.startsWith("127.0.0.1:"));
  const QString line = generated.toLine();
  EXPECT_EQ(line.indexOf("secret"), -1) << line.toStdString();
  EXPECT_EQ(line.indexOf('\n'), -1);
  EXPECT_NE(line.indexOf("-> 200"), -1) << line.toStdString();
  EXPECT_EQ(log_[1].status, 404);
  EXPECT_EQ(log_[1].error, "not_found");
}

}  // namespace
}  // namespace fd::test
