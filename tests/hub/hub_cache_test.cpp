// The shared Hugging Face cache read from disk (hub_cache.h): model
// repositories, refs and snapshots, broken links and partial downloads.

#include "hub/hub_cache.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "hub/fake_hub_cache.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

TEST(HubCache, ScansModelRepositoriesRefsAndSnapshots) {
  TempDir dir("hub-cache");
  FakeCache cache(dir / "hub");
  // Two commits sharing one blob; refs: a branch, a tag, a pull request.
  const fs::path shared = cache.add("org/model", kCommitA, "config.json", "{}\n");
  cache.add("org/model", kCommitA, "sub/dir/weights.safetensors", "0123456789");
  cache.link("org/model", kCommitB, "config.json", shared);
  cache.add("org/model", kCommitB, "weights.gguf", "GGUF....");
  cache.ref("org/model", "main", kCommitA);
  cache.ref("org/model", "v1.0", kCommitB + "\n");  // a newline added by hand is tolerated
  cache.ref("org/model", "refs/pr/1", kCommitB);
  // Not models: datasets, spaces, the lock folder, stray files; a repository
  // without snapshots/ is not usable.
  cache.add("datasets/org/data", kCommitA, "x.csv", "a,b");
  fs::rename(cache.repoDir("datasets/org/data"), cache.root() / "datasets--org--data");
  fs::create_directories(cache.root() / ".locks" / "models--org--model");
  fs::create_directories(cache.root() / "models--org--nosnapshots" / "blobs");
  writeFile(cache.root() / "version.txt", "1");

  const auto repos = scanHubCache(cache.dir());
  ASSERT_EQ(repos.size(), 1u);
  const CachedRepo& repo = repos[0];
  EXPECT_EQ(repo.repo, "org/model");
  ASSERT_EQ(repo.snapshots.size(), 2u);
  EXPECT_EQ(repo.snapshots[0].commit, kCommitA);
  EXPECT_EQ(repo.snapshots[0].folder, cache.snapshot("org/model", kCommitA).string());
  EXPECT_EQ(repo.snapshots[0].files,
            (std::vector<std::string>{"config.json", "sub/dir/weights.safetensors"}));
  EXPECT_EQ(repo.snapshots[1].files, (std::vector<std::string>{"config.json", "weights.gguf"}));
  EXPECT_EQ(repo.refs, (std::vector<std::pair<std::string, std::string>>{
                           {"main", kCommitA}, {"refs/pr/1", kCommitB}, {"v1.0", kCommitB}}));
  // The shared blob counts once: 3 + 10 + 8 bytes.
  EXPECT_EQ(repo.blobBytes, 3u + 10u + 8u);

  EXPECT_TRUE(scanHubCache((dir / "nowhere").string()).empty());
  EXPECT_TRUE(scanHubCache("").empty());
}

TEST(HubCache, BrokenLinksAndPartialDownloadsAreNotFiles) {
  TempDir dir("hub-cache");
  FakeCache cache(dir / "hub");
  cache.add("org/model", kCommitA, "model_index.json", "{}");
  // A link whose blob was deleted.
  const fs::path gone =
      cache.add("org/model", kCommitA, "transformer/model.safetensors", "weights");
  fs::remove(gone);
  // A link to a partial download (blobs/{etag}.incomplete).
  cache.add("org/model", kCommitA, "ae.safetensors", "half of it", ".incomplete");
  cache.ref("org/model", "main", kCommitA);

  const auto repos = scanHubCache(cache.dir());
  ASSERT_EQ(repos.size(), 1u);
  ASSERT_EQ(repos[0].snapshots.size(), 1u);
  EXPECT_EQ(repos[0].snapshots[0].files, std::vector<std::string>{"model_index.json"});
  EXPECT_EQ(repos[0].blobBytes, 2u);
  EXPECT_EQ(cachedSnapshotFiles(cache.snapshot("org/model", kCommitA).string()),
            std::vector<std::string>{"model_index.json"});
}

TEST(HubCache, FindsSnapshotsByBranchTagCommitAndNestedRef) {
  TempDir dir("hub-cache");
  FakeCache cache(dir / "hub");
  cache.add("org/model", kCommitA, "a.txt", "a");
  cache.add("org/model", kCommitB, "b.txt", "b");
  cache.ref("org/model", "main", kCommitA);
  cache.ref("org/model", "v2", kCommitB);
  cache.ref("org/model", "refs/pr/1", kCommitB);
  cache.ref("org/model", "stale",
            "cccccccccccccccccccccccccccccccccccccccc");  // its snapshot is gone
  const std::string a = cache.snapshot("org/model", kCommitA).string();
  const std::string b = cache.snapshot("org/model", kCommitB).string();

  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model"), a);  // main by default
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model", "main"), a);
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model", ""), a);
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model", "v2"), b);
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model", "refs/pr/1"), b);
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model", kCommitB), b);
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model", "stale"), std::nullopt);
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model", "no-such-branch"), std::nullopt);
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/other"), std::nullopt);
  EXPECT_EQ(findCachedSnapshot((dir / "nowhere").string(), "org/model"), std::nullopt);
  // Revisions never leave the repository's folder.
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model",
                               "../../models--org--model/snapshots/" + kCommitA),
            std::nullopt);
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model", "/etc"), std::nullopt);
}

}  // namespace
}  // namespace fd::test
