// What goes wrong on real networks and hubs: gated repositories and tokens,
// things not found, cut connections (resumed with Range), corrupted bytes,
// a full disk, cancelling.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>

#include "hub/hub_api.h"
#include "hub/hub_download.h"
#include "hub_test_util.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

const std::string kLfsPath = "transformer/diffusion_pytorch_model.safetensors";

std::string lfsEtag() {
  for (const auto& f : tinyFluxFiles())
    if (f.path == kLfsPath) return MockHub::sha256(f.bytes);
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class HubGated : public HubTest {
 protected:
  std::vector<MockRepo> repos() const override {
    MockRepo gated{"black-forest-labs/FLUX.1-gated", tinyFluxFiles()};
    gated.gated = true;
    gated.accessTokens = {"hf_granted"};
    return {gated};
  }
  const std::string repo = "black-forest-labs/FLUX.1-gated";
};

TEST_F(HubGated, WithoutATokenSaysWhereToAcceptTheLicenceAndHowToGiveOne) {
  auto result = downloadSnapshot(config(), request(repo));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::AccessDenied);
  const std::string& m = result.error().message;
  EXPECT_TRUE(contains(m, hub_->endpoint() + "/" + repo)) << m;
  EXPECT_TRUE(contains(m, "no token was sent")) << m;
  EXPECT_TRUE(contains(m, "HF_TOKEN")) << m;
  EXPECT_TRUE(contains(m, "hf auth login")) << m;
  EXPECT_TRUE(contains(m, "Models window")) << m;
  EXPECT_TRUE(contains(m, "--token")) << m;
  EXPECT_EQ(hub_->contentBytesServed(), 0u);
}

TEST_F(HubGated, ATokenWithoutAccessIsRefusedAndNamed) {
  HubConfig c = config();
  c.token = "hf_not_granted";
  c.tokenSource = "HF_TOKEN";
  auto result = downloadSnapshot(c, request(repo));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::AccessDenied);
  const std::string& m = result.error().message;
  EXPECT_TRUE(contains(m, "the token from HF_TOKEN was refused")) << m;
  EXPECT_TRUE(contains(m, hub_->endpoint() + "/" + repo)) << m;
  EXPECT_FALSE(contains(m, "no token was sent")) << m;
  EXPECT_TRUE(contains(m, "not in the authorized list")) << "the hub's own words: " << m;
}

TEST_F(HubGated, AnInvalidTokenIsNotValid) {
  hub_->setKnownTokens({"hf_granted", "hf_not_granted"});
  HubConfig c = config();
  c.token = "hf_typo";
  c.tokenSource = "--token";
  auto result = downloadSnapshot(c, request(repo));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::AccessDenied);
  EXPECT_TRUE(contains(result.error().message, "the token from --token is not valid"))
      << result.error().message;
  EXPECT_TRUE(contains(result.error().message, "/settings/tokens")) << result.error().message;
}

TEST_F(HubGated, TheRightTokenDownloads) {
  HubConfig c = config();
  c.token = "hf_granted";
  auto result = downloadSnapshot(c, request(repo));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->files.size(), tinyFluxFiles().size());
}

using HubErrors = HubTest;

TEST_F(HubErrors, NotFoundRepositoryRevisionAndFile) {
  auto repo = downloadSnapshot(config(), request("test-org/no-such-model"));
  ASSERT_FALSE(repo.ok());
  EXPECT_EQ(repo.error().kind, ErrorKind::ModelMissing);
  EXPECT_TRUE(contains(repo.error().message, "repository test-org/no-such-model was not found"))
      << repo.error().message;

  // The real hub answers 401 for a missing (or private) repository when no token is sent.
  hub_->setMissingRepoStatus(401);
  repo = downloadSnapshot(config(), request("test-org/no-such-model"));
  ASSERT_FALSE(repo.ok());
  EXPECT_EQ(repo.error().kind, ErrorKind::ModelMissing);
  EXPECT_TRUE(contains(repo.error().message, "if it is private, give a token"))
      << repo.error().message;

  HubDownloadRequest r = request();
  r.revision = "no-such-branch";
  auto revision = downloadSnapshot(config(), r);
  ASSERT_FALSE(revision.ok());
  EXPECT_EQ(revision.error().kind, ErrorKind::ModelMissing);
  EXPECT_TRUE(
      contains(revision.error().message, "revision 'no-such-branch' of " + std::string(kRepo)))
      << revision.error().message;

  // A file the listing does not have (HEAD on its resolve URL).
  auto file =
      hub::fileMetadata(config(), {kRepo, "main", "no/such.file"}, hub_->commitOf(kRepo), {});
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().kind, ErrorKind::ModelMissing);
  EXPECT_TRUE(contains(file.error().message, "file 'no/such.file' is not in " + std::string(kRepo)))
      << file.error().message;
}

TEST_F(HubErrors, NoServerIsANetworkError) {
  HubConfig c = config();
  hub_->stop();
  auto result = downloadSnapshot(c, request());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::Network);
  EXPECT_TRUE(contains(result.error().message, c.endpoint)) << result.error().message;
}

using HubResume = HubTest;

TEST_F(HubResume, ACutConnectionResumesWithRange) {
  hub_->cutTransferOnce(kLfsPath, 100000);
  auto result = downloadSnapshot(config(), request());
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(readTextFile(fs::path(result->folder) / kLfsPath), tinyFluxFiles()[5].bytes);
  std::vector<std::string> ranges;
  for (const auto& r : hub_->requests())
    if (r.server == "cdn" && r.path.find(lfsEtag()) != std::string::npos) ranges.push_back(r.range);
  EXPECT_EQ(ranges, (std::vector<std::string>{"", "bytes=100000-"}));
  EXPECT_EQ(result->downloadedBytes, totalBytes(tinyFluxFiles()));
}

TEST_F(HubResume, APartialFileFromAnEarlierRunIsResumed) {
  HubConfig c = config();
  c.maxAttempts = 1;  // give up at the cut
  hub_->cutTransferOnce(kLfsPath, 100000);
  auto first = downloadSnapshot(c, request());
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().kind, ErrorKind::Network);
  const fs::path partial = storage() / "blobs" / (lfsEtag() + ".incomplete");
  ASSERT_TRUE(fs::exists(partial));
  EXPECT_EQ(fs::file_size(partial), 100000u);

  hub_->clearRequests();
  bool verified = false;
  auto second = downloadSnapshot(config(), request(), [&](const HubDownloadProgress& p) {
    verified |= p.stage == "verifying" && p.file == kLfsPath;  // the kept bytes are hashed first
  });
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_TRUE(verified);
  EXPECT_FALSE(fs::exists(partial));
  EXPECT_EQ(readTextFile(fs::path(second->folder) / kLfsPath), tinyFluxFiles()[5].bytes);
  bool resumed = false;
  for (const auto& r : hub_->requests())
    resumed |= r.path.find(lfsEtag()) != std::string::npos && r.range == "bytes=100000-" &&
               r.status == 206;
  EXPECT_TRUE(resumed);
  // Files are fetched in listing order: the first run got everything before
  // the transformer; now only its rest and the VAE after it come.
  EXPECT_EQ(second->downloadedBytes, (300000u - 100000u) + 120000u);
}

TEST_F(HubResume, AStalledTransferIsCutAndResumed) {
  HubConfig c = config();
  c.stallTimeoutSeconds = 1;
  hub_->stallTransferOnce(kLfsPath, 100000, std::chrono::milliseconds(4000));
  const auto start = std::chrono::steady_clock::now();
  auto result = downloadSnapshot(c, request());
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(3900))
      << "cut before the stall ended";
  EXPECT_EQ(readTextFile(fs::path(result->folder) / kLfsPath), tinyFluxFiles()[5].bytes);
  bool resumed = false;
  for (const auto& r : hub_->requests()) resumed |= r.range == "bytes=100000-";
  EXPECT_TRUE(resumed);
}

TEST_F(HubErrors, AHubThatDoesNotAnswerTimesOut) {
  HubConfig c = config();
  c.stallTimeoutSeconds = 1;
  c.maxAttempts = 2;
  hub_->setResponseDelay(std::chrono::milliseconds(5000));
  auto result = downloadSnapshot(c, request());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::Network);
  EXPECT_TRUE(contains(result.error().message, "after 2 attempts")) << result.error().message;
}

TEST_F(HubResume, AWrongSha256IsAnErrorAndNothingIsKept) {
  hub_->corruptFile(kLfsPath);
  auto result = downloadSnapshot(config(), request());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::Network);
  EXPECT_TRUE(contains(result.error().message, "sha256")) << result.error().message;
  EXPECT_TRUE(contains(result.error().message, kLfsPath)) << result.error().message;
  EXPECT_FALSE(fs::exists(storage() / "blobs" / lfsEtag()));
  EXPECT_FALSE(fs::exists(storage() / "blobs" / (lfsEtag() + ".incomplete")));
  EXPECT_FALSE(
      fs::exists(fs::symlink_status(storage() / "snapshots" / hub_->commitOf(kRepo) / kLfsPath)));
}

using HubSpace = HubTest;

TEST_F(HubSpace, NotEnoughSpaceFailsBeforeAnyTransfer) {
  std::string asked;
  setHubFreeSpaceProbe([&](const std::string& folder) -> std::optional<uint64_t> {
    asked = folder;
    return 100000;
  });
  auto result = downloadSnapshot(config(), request());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::Io);
  EXPECT_TRUE(contains(result.error().message, "not enough free space")) << result.error().message;
  EXPECT_TRUE(contains(result.error().message, config().cacheDir)) << result.error().message;
  EXPECT_EQ(asked, config().cacheDir);
  EXPECT_EQ(hub_->contentBytesServed(), 0u);
}

TEST_F(HubSpace, WhatIsCachedAlreadyNeedsNoSpace) {
  HubDownloadRequest json = request();
  json.exclude = {"*.safetensors"};
  ASSERT_TRUE(downloadSnapshot(config(), json).ok());
  uint64_t lfsBytes = 0;
  for (const auto& f : tinyFluxFiles())
    if (f.lfs) lfsBytes += f.bytes.size();
  setHubFreeSpaceProbe([&](const std::string&) -> std::optional<uint64_t> { return lfsBytes; });
  auto result = downloadSnapshot(config(), request());
  ASSERT_TRUE(result.ok()) << result.error().message;
  setHubFreeSpaceProbe([&](const std::string&) -> std::optional<uint64_t> { return 0; });
  EXPECT_TRUE(downloadSnapshot(config(), request()).ok()) << "nothing left to fetch";
}

// A real small file system, when this process may mount one (root).
TEST_F(HubSpace, ATinyTmpfsIsTooSmall) {
  TempDir mountPoint("hub-tmpfs");
  if (::geteuid() != 0 || ::mount("tmpfs", mountPoint.path().c_str(), "tmpfs", 0, "size=256k") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root); the probe tests above cover the check";
  HubConfig c = config();
  c.cacheDir = (mountPoint.path() / "hub").string();
  auto result = downloadSnapshot(c, request());
  EXPECT_FALSE(result.ok());
  if (!result.ok()) {
    EXPECT_EQ(result.error().kind, ErrorKind::Io);
    EXPECT_TRUE(contains(result.error().message, "not enough free space"))
        << result.error().message;
  }
  ::umount(mountPoint.path().c_str());
}

using HubCancel = HubTest;

TEST_F(HubCancel, KeepsOrDeletesThePartialFileAsAsked) {
  for (bool keep : {true, false}) {
    TempDir cache("hub-cancel");
    HubConfig c = config();
    c.cacheDir = cache.path().string();
    hub_->setThrottle(400'000);
    HubDownloadRequest r = request();
    r.include = {kLfsPath};
    r.keepPartialOnCancel = keep;
    std::atomic<bool> stop{false};
    auto result = downloadSnapshot(
        c, r, [&](const HubDownloadProgress& p) { stop = stop || p.bytesDone > 50000; },
        [&] { return stop.load(); });
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().kind, ErrorKind::Cancelled);
    const fs::path partial =
        fs::path(c.cacheDir) / hubRepoFolderName(kRepo) / "blobs" / (lfsEtag() + ".incomplete");
    EXPECT_EQ(fs::exists(partial), keep);
    if (keep) {
      const uint64_t had = fs::file_size(partial);
      EXPECT_GT(had, 0u);
      EXPECT_LT(had, 300000u);
      hub_->setThrottle(0);
      hub_->clearRequests();
      auto again = downloadSnapshot(c, r);
      ASSERT_TRUE(again.ok()) << again.error().message;
      EXPECT_EQ(again->downloadedBytes, 300000u - had);
      bool ranged = false;
      for (const auto& q : hub_->requests())
        ranged |= q.range == "bytes=" + std::to_string(had) + "-";
      EXPECT_TRUE(ranged);
    }
  }
}

TEST_F(HubCancel, CancelsWhileWaitingForTheHub) {
  hub_->setResponseDelay(std::chrono::milliseconds(3000));
  std::atomic<bool> stop{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop = true;
  });
  const auto start = std::chrono::steady_clock::now();
  auto result = downloadSnapshot(config(), request(), {}, [&] { return stop.load(); });
  canceller.join();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::Cancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2500));
  hub_->setResponseDelay(std::chrono::milliseconds(0));
}

}  // namespace
}  // namespace fd::test
