// Snapshot downloads from the mock hub: the cache layout huggingface_hub
// writes, include/exclude globs, listing pages, redirects, reuse, progress.
#include "hub/hub_download.h"

#include <gtest/gtest.h>

#include <set>

#include "hub_test_util.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

using HubDownload = HubTest;

TEST_F(HubDownload, WritesTheCacheLayoutOfHuggingfaceHub) {
  HubConfig c = config();
  c.token = "hf_test_token";  // the hub gets it, the CDN must not
  c.tokenSource = "test";
  auto result = downloadSnapshot(c, request());
  ASSERT_TRUE(result.ok()) << result.error().message;
  const std::string commit = hub_->commitOf(kRepo);
  EXPECT_EQ(result->commit, commit);
  EXPECT_EQ(result->repo, kRepo);
  EXPECT_EQ(result->revision, "main");
  EXPECT_EQ(fs::path(result->folder), storage() / "snapshots" / commit);
  const auto files = tinyFluxFiles();
  EXPECT_EQ(result->files.size(), files.size());
  EXPECT_EQ(result->downloadedBytes, totalBytes(files));
  EXPECT_EQ(result->reusedBytes, 0u);

  std::set<std::string> blobs;
  for (const auto& f : files) {
    const fs::path pointer = storage() / "snapshots" / commit / f.path;
    ASSERT_TRUE(fs::is_symlink(pointer)) << pointer;
    const std::string etag = f.lfs ? MockHub::sha256(f.bytes) : MockHub::gitBlobSha1(f.bytes);
    blobs.insert(etag);
    // Relative: one "../" per folder level of the repo path, plus snapshots/{commit}.
    std::string expected;
    for (size_t i = 0, n = 2 + size_t(std::count(f.path.begin(), f.path.end(), '/')); i < n; ++i)
      expected += "../";
    EXPECT_EQ(fs::read_symlink(pointer).string(), expected + "blobs/" + etag) << f.path;
    EXPECT_EQ(fs::canonical(pointer), fs::canonical(storage() / "blobs" / etag));
    EXPECT_EQ(readTextFile(pointer), f.bytes) << f.path;
  }
  EXPECT_EQ(readTextFile(storage() / "refs" / "main"),
            commit);  // no newline, as huggingface_hub writes it
  std::vector<std::string> blobFiles = filesBelow(storage() / "blobs");
  EXPECT_EQ(std::set<std::string>(blobFiles.begin(), blobFiles.end()), blobs)
      << "no .incomplete left, one blob each";
  EXPECT_TRUE(fs::exists(storage() / "trees" / (commit + ".json")));

  // The token went to the hub, never to the CDN (S3 would refuse it).
  size_t cdnRequests = 0;
  for (const auto& r : hub_->requests()) {
    if (r.server == "cdn") {
      ++cdnRequests;
      EXPECT_EQ(r.authorization, "") << r.target;
    } else {
      EXPECT_EQ(r.authorization, "Bearer hf_test_token") << r.target;
    }
  }
  EXPECT_EQ(cdnRequests, 3u) << "the three LFS files come from the CDN";
}

TEST_F(HubDownload, IncludeAndExcludeGlobsAsHfDownload) {
  HubDownloadRequest r = request();
  r.include = {"*.json"};      // '*' crosses folders, as fnmatch
  r.exclude = {"tokenizer/"};  // a folder: everything below it
  auto result = downloadSnapshot(config(), r);
  ASSERT_TRUE(result.ok()) << result.error().message;
  const std::vector<std::string> expected = {"model_index.json", "scheduler/scheduler_config.json"};
  EXPECT_EQ(result->files, expected);
  EXPECT_EQ(filesBelow(result->folder), expected);

  r.include = {"transformer/*", "vae/*.safetensors"};
  r.exclude = {};
  result = downloadSnapshot(config(), r);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->files,
            (std::vector<std::string>{"transformer/diffusion_pytorch_model.safetensors",
                                      "vae/diffusion_pytorch_model.safetensors"}));
  EXPECT_EQ(filesBelow(result->folder).size(), 4u) << "the earlier files stay";

  r.include = {"*.gguf"};
  result = downloadSnapshot(config(), r);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::ModelMissing);
  EXPECT_NE(result.error().message.find("--include '*.gguf'"), std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("model_index.json"), std::string::npos)
      << result.error().message;
}

TEST_F(HubDownload, FollowsTreeListingPages) {
  hub_->setTreePageSize(3);
  auto result = downloadSnapshot(config(), request());
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->files.size(), tinyFluxFiles().size());
  // 8 files and 8 folders (text_encoder_2/deep/nested counts 3): 16 entries, 6 pages.
  size_t pages = hub_->requestCountContaining("/api/models/" + std::string(kRepo) + "/tree/");
  EXPECT_EQ(pages, 6u);
  bool sawCursor = false;
  for (const auto& r : hub_->requests())
    sawCursor |= r.target.find("cursor=15") != std::string::npos;
  EXPECT_TRUE(sawCursor);
}

TEST_F(HubDownload, LfsBytesBehindRelativeAndAbsoluteRedirectsOrServedDirectly) {
  for (auto mode : {MockHub::LfsRedirect::Relative, MockHub::LfsRedirect::Absolute,
                    MockHub::LfsRedirect::None}) {
    TempDir cache("hub-redirect");
    HubConfig c = config();
    c.cacheDir = cache.path().string();
    hub_->setLfsRedirect(mode);
    hub_->clearRequests();
    auto result = downloadSnapshot(c, request());
    ASSERT_TRUE(result.ok()) << result.error().message;
    for (const auto& f : tinyFluxFiles())
      EXPECT_EQ(readTextFile(fs::path(result->folder) / f.path), f.bytes) << f.path;
    size_t onHub = 0, onCdn = 0;
    for (const auto& r : hub_->requests()) {
      if (r.path.rfind("/lfs-cdn/", 0) != 0) continue;
      (r.server == "cdn" ? onCdn : onHub) += 1;
    }
    if (mode == MockHub::LfsRedirect::Relative) {
      // HEAD follows the same-origin redirect, then GET: 2 requests per LFS file.
      EXPECT_EQ(onHub, 6u);
      EXPECT_EQ(onCdn, 0u);
    } else if (mode == MockHub::LfsRedirect::Absolute) {
      EXPECT_EQ(onHub, 0u);
      EXPECT_EQ(onCdn, 3u) << "HEAD stops at the other host; only the bytes come from there";
    } else {
      EXPECT_EQ(onHub + onCdn, 0u);
    }
  }
}

TEST_F(HubDownload, ASecondDownloadFetchesNothing) {
  auto first = downloadSnapshot(config(), request());
  ASSERT_TRUE(first.ok()) << first.error().message;
  hub_->clearRequests();
  auto second = downloadSnapshot(config(), request());
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->folder, first->folder);
  EXPECT_EQ(second->downloadedBytes, 0u);
  EXPECT_EQ(second->reusedBytes, totalBytes(tinyFluxFiles()));
  EXPECT_EQ(hub_->contentBytesServed(), 0u);
  EXPECT_EQ(hub_->requestCountContaining("/resolve/", "GET"), 0u);
  EXPECT_EQ(hub_->requestCountContaining("/lfs-cdn/"), 0u);
  // The listing of a commit never changes: it comes from trees/{commit}.json.
  EXPECT_EQ(hub_->requestCountContaining("/tree/"), 0u);
  EXPECT_EQ(hub_->requestCountContaining("/revision/main"), 1u);
}

class HubTwoRevisions : public HubTest {
 protected:
  std::vector<MockRepo> repos() const override {
    MockRepo repo{kRepo, tinyFluxFiles()};
    repo.revisions = {{"main", MockHub::fakeCommit("main")}, {"v1.0", MockHub::fakeCommit("v1.0")}};
    return {repo};
  }
};

TEST_F(HubTwoRevisions, BlobsAreSharedBetweenCommitsAndRefsNameEach) {
  auto main = downloadSnapshot(config(), request());
  ASSERT_TRUE(main.ok()) << main.error().message;
  hub_->clearRequests();
  HubDownloadRequest r = request();
  r.revision = "v1.0";
  auto tag = downloadSnapshot(config(), r);
  ASSERT_TRUE(tag.ok()) << tag.error().message;
  EXPECT_NE(tag->folder, main->folder);
  EXPECT_EQ(tag->downloadedBytes, 0u) << "same etags: the blobs are reused";
  EXPECT_EQ(hub_->contentBytesServed(), 0u);
  EXPECT_EQ(filesBelow(tag->folder), filesBelow(main->folder));
  EXPECT_EQ(readTextFile(storage() / "refs" / "main"), MockHub::fakeCommit("main"));
  EXPECT_EQ(readTextFile(storage() / "refs" / "v1.0"), MockHub::fakeCommit("v1.0"));

  // A commit as the revision: no ref, no revision lookup.
  hub_->clearRequests();
  r.revision = MockHub::fakeCommit("v1.0");
  auto byCommit = downloadSnapshot(config(), r);
  ASSERT_TRUE(byCommit.ok()) << byCommit.error().message;
  EXPECT_EQ(byCommit->folder, tag->folder);
  EXPECT_EQ(hub_->requestCountContaining("/revision/"), 0u);
  EXPECT_FALSE(fs::exists(storage() / "refs" / r.revision));
}

TEST_F(HubDownload, ReportsStagesBytesSpeedAndEta) {
  hub_->setThrottle(1'000'000);  // ~0.5 s: a few speed windows
  std::vector<HubDownloadProgress> seen;
  auto result = downloadSnapshot(config(), request(),
                                 [&](const HubDownloadProgress& p) { seen.push_back(p); });
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_FALSE(seen.empty());
  std::vector<std::string> stages;
  for (const auto& p : seen)
    if (stages.empty() || stages.back() != p.stage) stages.push_back(p.stage);
  EXPECT_EQ(stages, (std::vector<std::string>{"resolving", "listing", "downloading", "done"}));
  const uint64_t total = totalBytes(tinyFluxFiles());
  uint64_t last = 0;
  bool sawSpeed = false, sawEta = false;
  for (const auto& p : seen) {
    if (p.stage != "downloading") continue;
    EXPECT_EQ(p.bytesTotal, total);
    EXPECT_EQ(p.fileCount, tinyFluxFiles().size());
    EXPECT_GE(p.bytesDone, last);
    last = p.bytesDone;
    sawSpeed |= p.bytesPerSecond > 0;
    sawEta |= p.etaSeconds > 0;
  }
  EXPECT_TRUE(sawSpeed);
  EXPECT_TRUE(sawEta);
  EXPECT_EQ(seen.back().bytesDone, total);
  EXPECT_EQ(seen.back().stage, "done");
}

TEST_F(HubDownload, RetriesTransientServerErrors) {
  hub_->failNext("/revision/", 503, 2);
  hub_->failNext("/resolve/", 502, 1);
  auto result = downloadSnapshot(config(), request());
  ASSERT_TRUE(result.ok()) << result.error().message;

  TempDir other("hub-503");
  HubConfig c = config();
  c.cacheDir = other.path().string();
  hub_->failNext("/revision/", 503, 10);
  result = downloadSnapshot(c, request());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::Network);
  EXPECT_NE(result.error().message.find("503"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("after 3 attempts"), std::string::npos)
      << result.error().message;
}

TEST_F(HubDownload, RejectsMalformedRepositoryIds) {
  for (const std::string bad :
       {"", "a/b/c", "-org/name", "org/name-", "org--x/name", "org/../x", "org/x.git", "org /x"}) {
    auto result = downloadSnapshot(config(), request(bad));
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.error().kind, ErrorKind::BadRequest) << bad;
  }
  EXPECT_EQ(hub_->requests().size(), 0u);
}

}  // namespace
}  // namespace fd::test
