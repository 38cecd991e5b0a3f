// FluxDesk and the real huggingface_hub share one cache, both ways: what
// FluxDesk downloads, huggingface_hub's scan_cache_dir and snapshot_download
// (offline) see as theirs; what huggingface_hub downloads from the mock hub,
// FluxDesk takes without transferring a byte. The Python side runs in the
// project's environment (FLUXDESK_PYTHON, huggingface_hub pinned in
// packaging/python-requirements.txt); a missing environment fails the test.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "hub/hub_download.h"
#include "hub_test_util.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

struct ShellRun {
  int exitCode = -1;
  std::string output;
};

std::string shellQuoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

ShellRun runShell(const std::string& command) {
  ShellRun run;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return run;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, n);
  int status = ::pclose(pipe);
  run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class HubInterop : public HubTest {
 protected:
  void SetUp() override {
    HubTest::SetUp();
    ShellRun probe = runShell(shellQuoted(FLUXDESK_PYTHON) +
                              " -c 'import huggingface_hub; print(huggingface_hub.__version__)'");
    ASSERT_EQ(probe.exitCode, 0) << "huggingface_hub is not importable with " << FLUXDESK_PYTHON
                                 << "; run scripts/install-python-env.sh\n"
                                 << probe.output;
  }

  // huggingface_hub with the mock as its hub and nothing from this machine's
  // own Hugging Face setup (home, token, Xet, telemetry).
  ShellRun python(const std::string& mode, const nlohmann::json& manifest) {
    const fs::path manifestPath = cache_.path() / ("manifest-" + mode + ".json");
    writeTextFile(manifestPath, manifest.dump(1));
    const std::string command =
        "env -u HF_TOKEN -u HUGGING_FACE_HUB_TOKEN -u HF_HUB_CACHE -u HF_HUB_OFFLINE -u "
        "HF_TOKEN_PATH"
        " HF_HOME=" +
        shellQuoted((cache_.path() / "hf-home").string()) +
        " HF_ENDPOINT=" + shellQuoted(hub_->endpoint()) +
        " HF_HUB_DISABLE_XET=1 HF_HUB_ENABLE_HF_TRANSFER=0 HF_HUB_DISABLE_TELEMETRY=1"
        " HF_HUB_DISABLE_UPDATE_CHECK=1 HF_HUB_DISABLE_PROGRESS_BARS=1 " +
        shellQuoted(FLUXDESK_PYTHON) + " " +
        shellQuoted(FLUXDESK_HUB_PYTHON_DIR "/hf_cache_interop.py") + " " + mode + " " +
        shellQuoted(manifestPath.string());
    return runShell(command);
  }

  nlohmann::json manifest(const std::string& cacheDir) const {
    nlohmann::json files = nlohmann::json::object();
    for (const auto& f : tinyFluxFiles()) files[f.path] = MockHub::sha256(f.bytes);
    const std::string commit = hub_->commitOf(kRepo);
    return {
        {"cache", cacheDir},
        {"repo", kRepo},
        {"revision", "main"},
        {"commit", commit},
        {"folder", (fs::path(cacheDir) / hubRepoFolderName(kRepo) / "snapshots" / commit).string()},
        {"files", files}};
  }

  static void expectAllPassed(const ShellRun& run) {
    std::printf("%s", run.output.c_str());  // the checks, for the test log
    EXPECT_EQ(run.exitCode, 0) << run.output;
    EXPECT_NE(run.output.find(" passed, 0 failed"), std::string::npos) << run.output;
  }
};

TEST_F(HubInterop, HuggingfaceHubReadsWhatFluxDeskDownloaded) {
  HubConfig c = config();
  auto result = downloadSnapshot(c, request());
  ASSERT_TRUE(result.ok()) << result.error().message;
  ShellRun check = python("check", manifest(c.cacheDir));
  expectAllPassed(check);

  // Online, huggingface_hub finds every blob FluxDesk wrote and fetches none.
  hub_->clearRequests();
  ShellRun download = python("download", manifest(c.cacheDir));
  expectAllPassed(download);
  EXPECT_EQ(hub_->contentBytesServed(), 0u) << download.output;
}

class HubInteropRedirects : public HubInterop,
                            public ::testing::WithParamInterface<MockHub::LfsRedirect> {};

TEST_P(HubInteropRedirects, FluxDeskReusesWhatHuggingfaceHubDownloaded) {
  hub_->setLfsRedirect(GetParam());
  HubConfig c = config();
  ShellRun download = python("download", manifest(c.cacheDir));
  expectAllPassed(download);
  EXPECT_EQ(hub_->contentBytesServed(), totalBytes(tinyFluxFiles()))
      << "huggingface_hub fetched each file once";
  for (const auto& r : hub_->requests()) {
    if (r.server == "cdn") {
      EXPECT_EQ(r.authorization, "") << "huggingface_hub sent no token to the CDN";
    }
  }

  hub_->clearRequests();
  auto result = downloadSnapshot(c, request());
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->downloadedBytes, 0u);
  EXPECT_EQ(result->reusedBytes, totalBytes(tinyFluxFiles()));
  EXPECT_EQ(hub_->contentBytesServed(), 0u);
  EXPECT_EQ(result->folder, manifest(c.cacheDir)["folder"].get<std::string>());
  for (const auto& f : tinyFluxFiles())
    EXPECT_EQ(readTextFile(fs::path(result->folder) / f.path), f.bytes);
  // huggingface_hub 2.x cached the commit's listing; FluxDesk read it instead of asking.
  EXPECT_EQ(hub_->requestCountContaining("/tree/"), 0u);

  // The same layout to the byte: FluxDesk alone, in another cache, writes the
  // same links, ref and listing file as huggingface_hub did.
  TempDir own("hub-own");
  HubConfig alone = config();
  alone.cacheDir = own.path().string();
  auto ours = downloadSnapshot(alone, request());
  ASSERT_TRUE(ours.ok()) << ours.error().message;
  const fs::path theirs = fs::path(c.cacheDir) / hubRepoFolderName(kRepo);
  const fs::path mine = own.path() / hubRepoFolderName(kRepo);
  for (const auto& f : tinyFluxFiles()) {
    const fs::path link = fs::path("snapshots") / ours->commit / f.path;
    EXPECT_EQ(fs::read_symlink(mine / link), fs::read_symlink(theirs / link)) << f.path;
  }
  EXPECT_EQ(readTextFile(mine / "refs" / "main"), readTextFile(theirs / "refs" / "main"));
  const fs::path tree = fs::path("trees") / (ours->commit + ".json");
  EXPECT_EQ(readTextFile(mine / tree), readTextFile(theirs / tree));
  EXPECT_EQ(readTextFile(own.path() / "CACHEDIR.TAG").substr(0, 44),
            readTextFile(fs::path(c.cacheDir) / "CACHEDIR.TAG").substr(0, 44));
}

INSTANTIATE_TEST_SUITE_P(Lfs, HubInteropRedirects,
                         ::testing::Values(MockHub::LfsRedirect::Absolute,
                                           MockHub::LfsRedirect::Relative,
                                           MockHub::LfsRedirect::None),
                         [](const ::testing::TestParamInfo<MockHub::LfsRedirect>& info) {
                           switch (info.param) {
                             case MockHub::LfsRedirect::Absolute:
                               return std::string("AbsoluteRedirect");
                             case MockHub::LfsRedirect::Relative:
                               return std::string("RelativeRedirect");
                             case MockHub::LfsRedirect::None: return std::string("NoRedirect");
                           }
                           return std::string("Unknown");
                         });

}  // namespace
}  // namespace fd::test
