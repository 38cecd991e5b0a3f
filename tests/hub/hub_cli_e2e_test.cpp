// fluxdesk-cli download against the mock hub: the snapshot folder as the
// last stdout line, progress on stderr, repeated --include/--exclude, the
// exit codes of its help text, Ctrl-C keeping partial files for a resume.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "hub_test_util.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

struct CliResult {
  int exitCode = -1;
  std::string out, err;
};

class HubCli : public HubTest {
 protected:
  // Starts fluxdesk-cli with `args`, the mock as HF_ENDPOINT and a home of
  // its own (no token from this machine); stdout and stderr go to files.
  pid_t spawn(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
    outPath_ = cache_.path() / ("out-" + std::to_string(runs_) + ".txt");
    errPath_ = cache_.path() / ("err-" + std::to_string(runs_++) + ".txt");
    std::vector<std::string> argv = {FLUXDESK_CLI_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_t pid = ::fork();
    if (pid == 0) {
      int out = ::open(outPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = ::open(errPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      for (const char* name :
           {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_CACHE", "HF_TOKEN_PATH", "HF_HOME"})
        ::unsetenv(name);
      ::setenv("HF_HOME", (cache_.path() / "hf-home").c_str(), 1);
      ::setenv("HF_ENDPOINT", hub_->endpoint().c_str(), 1);
      for (const auto& kv : env) ::putenv(const_cast<char*>(kv.c_str()));
      std::vector<char*> raw;
      for (auto& a : argv) raw.push_back(a.data());
      raw.push_back(nullptr);
      ::execv(raw[0], raw.data());
      ::_exit(127);
    }
    return pid;
  }

  CliResult wait(pid_t pid) {
    CliResult r;
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = readTextFile(outPath_);
    r.err = readTextFile(errPath_);
    return r;
  }

  CliResult cli(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
    return wait(spawn(args, env));
  }

  std::string cacheDir() const { return config().cacheDir; }

  static std::string lastLine(const std::string& text) {
    std::string t = text;
    while (!t.empty() && t.back() == '\n') t.pop_back();
    auto nl = t.rfind('\n');
    return nl == std::string::npos ? t : t.substr(nl + 1);
  }

  fs::path outPath_, errPath_;
  int runs_ = 0;
};

TEST_F(HubCli, DownloadsAndPrintsTheSnapshotFolderLast) {
  CliResult r = cli({"download", kRepo, "--cache-dir", cacheDir()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const fs::path folder = storage() / "snapshots" / hub_->commitOf(kRepo);
  EXPECT_EQ(lastLine(r.out), folder.string()) << r.out;
  for (const auto& f : tinyFluxFiles()) EXPECT_EQ(readTextFile(folder / f.path), f.bytes) << f.path;
  // Not a terminal: progress lines with percent, bytes, speed and ETA.
  EXPECT_NE(r.err.find("%"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ETA"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("B/s"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("transformer/diffusion_pytorch_model.safetensors"), std::string::npos)
      << r.err;

  // Again: nothing transferred, the same folder.
  hub_->clearRequests();
  r = cli({"download", kRepo, "--cache-dir", cacheDir(), "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(lastLine(r.out), folder.string());
  EXPECT_EQ(hub_->contentBytesServed(), 0u);
}

TEST_F(HubCli, RepeatedIncludeAndExclude) {
  CliResult r = cli({"download", kRepo, "--cache-dir", cacheDir(), "--include", "*.json",
                     "--include=vae/*", "--exclude", "tokenizer/*"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(filesBelow(lastLine(r.out)),
            (std::vector<std::string>{"model_index.json", "scheduler/scheduler_config.json",
                                      "vae/diffusion_pytorch_model.safetensors"}));
}

TEST_F(HubCli, UsesHfHubCacheWithoutCacheDir) {
  CliResult r = cli({"download", kRepo, "--revision", "main"}, {"HF_HUB_CACHE=" + cacheDir()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(lastLine(r.out), (storage() / "snapshots" / hub_->commitOf(kRepo)).string());
}

class HubCliGated : public HubCli {
 protected:
  std::vector<MockRepo> repos() const override {
    MockRepo gated{"black-forest-labs/FLUX.1-gated", tinyFluxFiles()};
    gated.gated = true;
    gated.accessTokens = {"hf_granted"};
    return {MockRepo{kRepo, tinyFluxFiles()}, gated};
  }
};

TEST_F(HubCliGated, ExitCodesOfTheHelpText) {
  CliResult help = cli({"download", "--help"});
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_NE(help.out.find("130 cancelled"), std::string::npos) << help.out;

  EXPECT_EQ(cli({"download"}).exitCode, 2) << "no REPO";
  EXPECT_EQ(cli({"download", kRepo, "--no-such-option"}).exitCode, 2);
  EXPECT_EQ(cli({"download", "not a repo"}).exitCode, 2);

  CliResult missing = cli({"download", "test-org/missing", "--cache-dir", cacheDir()});
  EXPECT_EQ(missing.exitCode, 3) << missing.err;
  EXPECT_EQ(cli({"download", kRepo, "--revision", "nope", "--cache-dir", cacheDir()}).exitCode, 3);

  CliResult gated = cli({"download", "black-forest-labs/FLUX.1-gated", "--cache-dir", cacheDir()});
  EXPECT_EQ(gated.exitCode, 4) << gated.err;
  EXPECT_NE(gated.err.find(hub_->endpoint() + "/black-forest-labs/FLUX.1-gated"), std::string::npos)
      << gated.err;
  EXPECT_NE(gated.err.find("--token"), std::string::npos) << gated.err;
  CliResult refused = cli({"download", "black-forest-labs/FLUX.1-gated", "--cache-dir", cacheDir(),
                           "--token", "hf_other"});
  EXPECT_EQ(refused.exitCode, 4) << refused.err;
  EXPECT_NE(refused.err.find("the token from --token was refused"), std::string::npos)
      << refused.err;
  CliResult granted = cli({"download", "black-forest-labs/FLUX.1-gated", "--cache-dir", cacheDir(),
                           "--token", "hf_granted"});
  EXPECT_EQ(granted.exitCode, 0) << granted.err;
  CliResult fromEnv =
      cli({"download", "black-forest-labs/FLUX.1-gated", "--cache-dir", cacheDir(), "--quiet"},
          {"HF_TOKEN=hf_granted"});
  EXPECT_EQ(fromEnv.exitCode, 0) << fromEnv.err;

  // A file where the cache folder should be: the disk (6).
  writeTextFile(cache_.path() / "a-file", "x");
  CliResult disk =
      cli({"download", kRepo, "--cache-dir", (cache_.path() / "a-file" / "hub").string()});
  EXPECT_EQ(disk.exitCode, 6) << disk.err;

  // Nobody listening: the network (5).
  const std::string endpoint = hub_->endpoint();
  hub_->stop();
  CliResult offline = cli({"download", kRepo, "--cache-dir", cacheDir()});
  EXPECT_EQ(offline.exitCode, 5) << offline.err;
  EXPECT_NE(offline.err.find(endpoint), std::string::npos) << offline.err;
}

TEST_F(HubCli, CtrlCCancelsKeepsThePartialFileAndTheNextRunResumes) {
  hub_->setThrottle(200'000);
  const std::string lfs = "transformer/diffusion_pytorch_model.safetensors";
  pid_t pid = spawn({"download", kRepo, "--cache-dir", cacheDir(), "--include", lfs});
  const fs::path partial =
      storage() / "blobs" / (MockHub::sha256(tinyFluxFiles()[5].bytes) + ".incomplete");
  bool started = false;
  for (int i = 0; i < 500 && !started; ++i) {
    std::error_code ec;
    started = fs::exists(partial) && fs::file_size(partial, ec) > 20000;
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(started) << "the transfer did not start";
  ::kill(pid, SIGINT);
  CliResult r = wait(pid);
  EXPECT_EQ(r.exitCode, 130) << r.err;
  EXPECT_NE(r.err.find("cancelled"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "") << "no folder for a cancelled download";
  ASSERT_TRUE(fs::exists(partial));
  const uint64_t kept = fs::file_size(partial);
  EXPECT_GT(kept, 0u);

  hub_->setThrottle(0);
  hub_->clearRequests();
  r = cli({"download", kRepo, "--cache-dir", cacheDir(), "--include", lfs});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  bool resumed = false;
  for (const auto& q : hub_->requests())
    resumed |= q.range == "bytes=" + std::to_string(kept) + "-";
  EXPECT_TRUE(resumed);
  EXPECT_EQ(readTextFile(fs::path(lastLine(r.out)) / lfs), tinyFluxFiles()[5].bytes);
}

// The demo model served as a hub repository: downloaded by `download`, then
// generated from with `--model org/name` (the cache, not a folder).
constexpr const char* kDemoRepo = "fluxdesk-test/demo";

class HubCliDemo : public HubCli {
 protected:
  std::vector<MockRepo> repos() const override {
    const fs::path folder = demoSource_.path() / "demo";
    const std::string command =
        std::string(FLUXDESK_CLI_PATH) + " make-demo-model '" + folder.string() + "' >/dev/null";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    std::vector<MockFile> files;
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
      if (!entry.is_regular_file()) continue;
      const std::string extension = entry.path().extension().string();
      files.push_back({entry.path().lexically_relative(folder).generic_string(),
                       readTextFile(entry.path()),
                       extension == ".safetensors" || extension == ".model"});
    }
    return {MockRepo{kDemoRepo, files}};
  }
  TempDir demoSource_{"hub-demo-source"};
};

TEST_F(HubCliDemo, GeneratesFromTheCacheByRepoId) {
  const std::string cacheEnv = "HF_HUB_CACHE=" + cacheDir();
  // Not downloaded yet: a clear error naming the command that fetches it.
  const fs::path out = cache_.path() / "images";
  CliResult r = cli({"generate", "--model", kDemoRepo, "--prompt", "a fox", "--size", "256x256",
                     "--steps", "1", "--device", "cpu", "-o", out.string()},
                    {cacheEnv});
  EXPECT_EQ(r.exitCode, 3) << r.err;
  EXPECT_NE(r.err.find("fluxdesk-cli download"), std::string::npos) << r.err;

  r = cli({"download", kDemoRepo}, {cacheEnv});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  for (const std::string& model : {std::string(kDemoRepo), std::string(kDemoRepo) + "@main"}) {
    r = cli({"generate", "--model", model, "--prompt", "a fox", "--size", "256x256", "--steps", "1",
             "--seed", "3", "--device", "cpu", "-o", out.string()},
            {cacheEnv});
    ASSERT_EQ(r.exitCode, 0) << model << ": " << r.err;
  }
  size_t pngs = 0;
  for (const auto& entry : fs::directory_iterator(out)) pngs += entry.path().extension() == ".png";
  EXPECT_EQ(pngs, 2u);
  // The model was read from the cache: no byte was fetched by generate.
  hub_->clearRequests();
  r = cli({"inspect", kDemoRepo}, {cacheEnv});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("models--fluxdesk-test--demo"), std::string::npos) << r.out;
  EXPECT_TRUE(hub_->requests().empty());
}

}  // namespace
}  // namespace fd::test
