// common/atomic_file: the one temp-fsync-rename writer. What readers may
// see (only whole files), what a failure leaves (nothing), no-replace
// publishing for names several writers pick, and errors that name the file.
#include "common/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/test_paths.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> namesIn(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(AtomicFile, StreamsThenPublishesOverTheOldFile) {
  TempDir dir("atomic-stream");
  const fs::path target = dir / "weights.bin";
  writeTextFile(target, "old");
  auto file = AtomicFile::create(target.string());
  ASSERT_TRUE(file.ok()) << file.error().message;
  ASSERT_TRUE(file.value().write("abc", 3).ok());
  ASSERT_TRUE(file.value().writeZeros(300).ok());
  EXPECT_EQ(file.value().size(), 303u);
  // Until the commit, readers see the old file, and the new bytes sit in a
  // temporary file beside it.
  EXPECT_EQ(readTextFile(target), "old");
  EXPECT_EQ(namesIn(dir.path()).size(), 2u);
  ASSERT_TRUE(file.value().commit().ok());
  EXPECT_EQ(readTextFile(target), "abc" + std::string(300, '\0'));
  EXPECT_EQ(namesIn(dir.path()), std::vector<std::string>{"weights.bin"});
}

TEST(AtomicFile, DroppedBeforeCommitLeavesNothing) {
  TempDir dir("atomic-drop");
  {
    auto file = AtomicFile::create((dir / "never.bin").string());
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(file.value().write("partial", 7).ok());
    AtomicFile moved = std::move(file.value());  // the temporary file follows the object
    EXPECT_EQ(namesIn(dir.path()).size(), 1u);
  }
  EXPECT_TRUE(namesIn(dir.path()).empty());
}

TEST(AtomicFile, CommitAsNewNeverReplacesAFile) {
  TempDir dir("atomic-new");
  writeTextFile(dir / "a.png", "someone else's");
  auto file = AtomicFile::create((dir / "a.png").string());
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(file.value().write("mine", 4).ok());
  auto taken = file.value().commitAsNew((dir / "a.png").string());
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  EXPECT_FALSE(taken.value());
  EXPECT_EQ(readTextFile(dir / "a.png"), "someone else's");
  // The same bytes go under the next name tried.
  auto published = file.value().commitAsNew((dir / "a-2.png").string());
  ASSERT_TRUE(published.ok()) << published.error().message;
  EXPECT_TRUE(published.value());
  EXPECT_EQ(readTextFile(dir / "a-2.png"), "mine");
  EXPECT_EQ(namesIn(dir.path()), (std::vector<std::string>{"a-2.png", "a.png"}));
  // Another folder would not be a rename: refused, nothing moves.
  auto other = AtomicFile::create((dir / "b.png").string());
  ASSERT_TRUE(other.ok());
  auto elsewhere = other.value().commitAsNew((dir / "sub" / "b.png").string());
  ASSERT_FALSE(elsewhere.ok());
}

// Writers racing for one name: exactly one gets it, the others are told,
// and every byte written ends up under some name.
TEST(AtomicFile, OneOfManyWritersGetsAName) {
  TempDir dir("atomic-race");
  const std::string name = (dir / "same.png").string();
  constexpr int kWriters = 8;
  std::atomic<int> winners{0}, losers{0}, errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      auto file = AtomicFile::create(name);
      const std::string text = "writer " + std::to_string(i);
      if (!file.ok() || !file.value().write(text.data(), text.size()).ok()) return void(++errors);
      auto published = file.value().commitAsNew(name);
      if (!published.ok()) return void(++errors);
      ++(published.value() ? winners : losers);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(losers.load(), kWriters - 1);
  EXPECT_EQ(namesIn(dir.path()),
            std::vector<std::string>{"same.png"});  // the losers' temporaries are gone
  EXPECT_EQ(readTextFile(name).rfind("writer ", 0), 0u);
}

// A write the system refuses half way (here the file size limit, which
// fails like a full disk does: a short write, then an error) leaves neither
// the target nor a temporary file, and says which file.
TEST(AtomicFile, AFailedWriteLeavesNothingAndNamesTheFile) {
  TempDir dir("atomic-limit");
  const fs::path target = dir / "big.safetensors";
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto previousHandler = std::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of a signal
  struct rlimit small = old;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const std::string bytes(64 * 1024, 'x');
  Status written = writeFileAtomically(target.string(), bytes);
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, previousHandler);

  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().kind, ErrorKind::Io);
  EXPECT_NE(written.error().message.find(target.string()), std::string::npos)
      << written.error().message;
  EXPECT_TRUE(namesIn(dir.path()).empty());
}

TEST(AtomicFile, AFullDiskIsSaidPlainly) {
  const Error full = fileWriteError("write", "/pictures/a.png", ENOSPC);
  EXPECT_EQ(full.kind, ErrorKind::Io);
  EXPECT_EQ(full.message.rfind("/pictures/a.png: cannot write: ", 0), 0u) << full.message;
  EXPECT_NE(full.message.find("the disk is full"), std::string::npos) << full.message;
  const Error quota = fileWriteError("write", "/pictures/a.png", EDQUOT);
  EXPECT_NE(quota.message.find("quota"), std::string::npos) << quota.message;
  const Error denied = fileWriteError("create the file", "/x", EACCES);
  EXPECT_EQ(denied.message.find("disk"), std::string::npos) << denied.message;
}

TEST(AtomicFile, AMissingFolderIsAnErrorNamingThePath) {
  TempDir dir("atomic-missing");
  const fs::path target = dir / "no" / "such" / "x.gguf";
  auto file = AtomicFile::create(target.string());
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().kind, ErrorKind::Io);
  EXPECT_NE(file.error().message.find(target.string()), std::string::npos) << file.error().message;
}

}  // namespace
}  // namespace fd::test
