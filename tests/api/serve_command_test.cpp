// `fluxdesk-cli serve` as users run it, with the demo model: the shared
// HTTP suite, the key and CORS options, the official openai Python SDK
// (tests/api/python, run with the project's virtual environment), and a
// clean stop on SIGTERM while a job runs.
#include <gtest/gtest.h>
#include <signal.h>

#include <QProcess>
#include <QRegularExpression>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "api/api_suite.h"
#include "demo/demo_model.h"
#include "support/test_paths.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

// One `fluxdesk-cli serve` process on a free port.
class ServeProcess {
 public:
  explicit ServeProcess(QStringList extraArgs, const fs::path& library, const fs::path& model) {
    QStringList args{"serve", "--model",   QString::fromStdString(model.string()),  "--port",
                     "0",     "--library", QString::fromStdString(library.string())};
    args << extraArgs;
    process_.setProcessChannelMode(QProcess::SeparateChannels);
    process_.start(QStringLiteral(FLUXDESK_CLI_PATH), args);
  }
  ~ServeProcess() {
    if (process_.state() != QProcess::NotRunning) {
      process_.kill();
      process_.waitForFinished(5000);
    }
  }
  // Reads stdout until the "listening on" line; "" on failure (see output()).
  std::string waitForUrl(int timeoutMs = 180000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (std::chrono::steady_clock::now() < deadline) {
      while (process_.canReadLine()) {
        QString line = QString::fromUtf8(process_.readLine()).trimmed();
        stdout_ += line.toStdString() + "\n";
        const QString marker = QStringLiteral("FluxDesk API listening on ");
        if (line.startsWith(marker)) return line.mid(marker.size()).toStdString();
      }
      if (process_.state() == QProcess::NotRunning) return "";
      process_.waitForReadyRead(200);
    }
    return "";
  }
  std::string output() {
    stdout_ += process_.readAllStandardOutput().toStdString();
    return stdout_ + "\n[stderr]\n" + process_.readAllStandardError().toStdString();
  }
  // SIGTERM, then the exit code (-1 if it did not end in `timeoutMs`).
  int terminate(int timeoutMs = 30000) {
    process_.terminate();
    if (!process_.waitForFinished(timeoutMs)) return -1;
    return process_.exitStatus() == QProcess::NormalExit ? process_.exitCode() : -2;
  }
  QProcess& process() { return process_; }

 private:
  QProcess process_;
  std::string stdout_;
};

class ServeCommandTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    modelDir_ = new TempDir("serve_demo_model");
    Status written = writeDemoModel((modelDir_->path() / "demo").string());
    ASSERT_TRUE(written.ok()) << written.error().message;
  }
  static void TearDownTestSuite() {
    delete modelDir_;
    modelDir_ = nullptr;
  }
  fs::path model() const { return modelDir_->path() / "demo"; }

  static TempDir* modelDir_;
  TempDir library_{"serve_library"};
};
TempDir* ServeCommandTest::modelDir_ = nullptr;

// Generated images in a library folder (an edit's kept input picture and
// mask, <stem>.input.png and <stem>.mask.png, are not images it made).
size_t pngCount(const fs::path& folder) {
  size_t n = 0;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const fs::path& path = entry.path();
    const std::string stem = path.stem().string();
    const bool kept = path.stem().extension() == ".input" || path.stem().extension() == ".mask";
    n += path.extension() == ".png" && !kept && !stem.empty();
  }
  return n;
}

// "" when `python` exists and imports the openai package, else why not.
std::string pythonSdkProblem(const QString& python) {
  if (python.isEmpty() || !fs::exists(python.toStdString())) {
    return "no Python interpreter at '" + python.toStdString() +
           "' (the project's virtual environment)";
  }
  QProcess probe;
  probe.setProcessChannelMode(QProcess::MergedChannels);
  probe.start(python, {QStringLiteral("-c"), QStringLiteral("import openai")});
  if (!probe.waitForFinished(120000))
    return python.toStdString() + " did not start or did not finish";
  if (probe.exitStatus() != QProcess::NormalExit || probe.exitCode() != 0) {
    return python.toStdString() + " cannot import openai: " + probe.readAll().toStdString();
  }
  return "";
}

// The client test's closing lines: "images received: K" and "N passed, M failed".
struct ClientSummary {
  bool complete = false;
  int passed = 0;
  int failed = 0;
  int imagesReceived = 0;
};

ClientSummary clientSummary(const std::string& output) {
  ClientSummary summary;
  const QString text = QString::fromStdString(output);
  const auto closing =
      QRegularExpression(QStringLiteral(R"((?:^|\n)(\d+) passed, (\d+) failed\s*$)")).match(text);
  if (closing.hasMatch()) {
    summary.complete = true;
    summary.passed = closing.captured(1).toInt();
    summary.failed = closing.captured(2).toInt();
  }
  const auto images =
      QRegularExpression(QStringLiteral(R"((?:^|\n)images received: (\d+)\n)")).match(text);
  if (images.hasMatch()) summary.imagesReceived = images.captured(1).toInt();
  return summary;
}

TEST_F(ServeCommandTest, PassesTheSharedSuiteWithTheDemoModel) {
  ServeProcess serve({}, library_.path(), model());
  const std::string url = serve.waitForUrl();
  ASSERT_FALSE(url.empty()) << serve.output();
  ApiTarget target = ApiTarget::fromBaseUrl(url);
  EXPECT_EQ(target.host, "127.0.0.1");
  runApiSuite(target, ApiSuiteOptions{});
  // Every image is in the library folder.
  EXPECT_EQ(pngCount(library_.path()), size_t(kSuiteImages));
  EXPECT_EQ(serve.terminate(), 0) << serve.output();
  const std::string output = serve.output();
  EXPECT_NE(output.find("curl http://127.0.0.1:"), std::string::npos) << output;
  EXPECT_NE(output.find("POST /v1/images/generations"), std::string::npos) << "request log lines";
}

TEST_F(ServeCommandTest, EnforcesItsKeyAndCorsAndServesTheOpenAiPythonSdk) {
  const std::string key = "fd-test-key-0123456789";
  // A queue of 2 lets the client test fill it cheaply for its 429 check.
  ServeProcess serve({"--api-key", QString::fromStdString(key), "--allow-origin",
                      "http://localhost:5173", "--queue", "2"},
                     library_.path(), model());
  const std::string url = serve.waitForUrl();
  ASSERT_FALSE(url.empty()) << serve.output();
  ApiTarget target = ApiTarget::fromBaseUrl(url, key);
  expectApiKeyEnforced(target);
  expectCorsForAllowedOrigin(target, "http://localhost:5173");

  // A missing environment fails the test: skipping would hide that the SDK
  // client was never run.
  const QString python = QStringLiteral(FLUXDESK_PYTHON);
  const std::string problem = pythonSdkProblem(python);
  ASSERT_TRUE(problem.empty()) << problem << "; run scripts/install-python-env.sh";
  QProcess client;
  client.setProcessChannelMode(QProcess::MergedChannels);
  client.start(python, {QStringLiteral(FLUXDESK_API_PYTHON_DIR "/openai_client_test.py"),
                        QString::fromStdString(url), QString::fromStdString(key)});
  ASSERT_TRUE(client.waitForFinished(600000)) << "the openai client test did not finish";
  const std::string output = client.readAll().toStdString();
  EXPECT_EQ(client.exitStatus(), QProcess::NormalExit) << output;
  EXPECT_EQ(client.exitCode(), 0) << output;
  const ClientSummary summary = clientSummary(output);
  EXPECT_TRUE(summary.complete) << "no closing 'N passed, M failed' line:\n" << output;
  EXPECT_GT(summary.passed, 0) << output;
  EXPECT_EQ(summary.failed, 0) << output;
  // Every image a client received is in the library (a job that finished
  // just as its client gave up may add one more).
  EXPECT_GT(summary.imagesReceived, 0) << output;
  EXPECT_GE(pngCount(library_.path()), size_t(summary.imagesReceived)) << output;
  EXPECT_EQ(serve.terminate(), 0) << serve.output();
}

TEST_F(ServeCommandTest, StopsCleanlyOnSigtermWhileAJobRuns) {
  ServeProcess serve({}, library_.path(), model());
  const std::string url = serve.waitForUrl();
  ASSERT_FALSE(url.empty()) << serve.output();
  ApiTarget target = ApiTarget::fromBaseUrl(url);
  auto reply = std::async(std::launch::async, [target] {
    return postJson(target, "/v1/images/generations",
                    nlohmann::json{{"prompt", "interrupted"}, {"size", "1024x1024"}});
  });
  // Wait until the job is in the queue, then stop the server.
  bool queued = false;
  for (int i = 0; i < 200 && !queued; ++i) {
    ApiReply health = getPath(target, "/health");
    queued = health.status == 200 && health.json["queue"]["pending"] == 1;
    if (!queued) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_TRUE(queued);
  const auto before = std::chrono::steady_clock::now();
  EXPECT_EQ(serve.terminate(60000), 0) << serve.output();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - before).count(), 60.0);
  ApiReply answer = reply.get();
  if (answer.connected) {
    // Either the job finished in time, or the client was told the server stopped.
    EXPECT_TRUE(answer.status == 200 || answer.status == 503) << answer.describe();
  }
  EXPECT_FALSE(getPath(target, "/health").connected);
}

TEST_F(ServeCommandTest, AMissingModelFolderFailsWithAClearMessage) {
  ServeProcess serve({}, library_.path(), library_.path() / "no-such-model");
  ASSERT_TRUE(serve.process().waitForFinished(60000));
  EXPECT_NE(serve.process().exitCode(), 0);
  const std::string output = serve.output();
  EXPECT_NE(output.find("no-such-model"), std::string::npos) << output;
  EXPECT_EQ(output.find("listening"), std::string::npos) << output;
}

}  // namespace
}  // namespace fd::test
