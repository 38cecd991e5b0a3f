#pragma once
// A Hugging Face cache on disk for the hub tests, built by hand as
// huggingface_hub writes it: blobs/{etag}, snapshots/{commit}/{path} as
// relative symlinks into blobs/, refs/{name} holding a commit.

#include <filesystem>
#include <functional>
#include <string>
#include <utility>

#include "discovery/layout_builders.h"
#include "hub/model_presets.h"
#include "support/test_paths.h"

namespace fd::test {

inline const std::string kCommitA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
inline const std::string kCommitB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

// A hub cache on disk, written as huggingface_hub writes it.
class FakeCache {
 public:
  explicit FakeCache(std::filesystem::path root) : root_(std::move(root)) {
    std::filesystem::create_directories(root_);
  }
  const std::filesystem::path& root() const { return root_; }
  std::string dir() const { return root_.string(); }

  std::filesystem::path repoDir(const std::string& repo) const {
    std::string name = "models--" + repo;
    for (size_t at = name.find('/'); at != std::string::npos; at = name.find('/'))
      name.replace(at, 1, "--");
    return root_ / name;
  }
  std::filesystem::path snapshot(const std::string& repo, const std::string& commit) const {
    return repoDir(repo) / "snapshots" / commit;
  }

  // The blob (named by a hash of its contents, as an etag) and the relative
  // link to it from the snapshot. Returns the blob's path.
  std::filesystem::path add(const std::string& repo, const std::string& commit,
                            const std::string& path, const std::string& contents,
                            const std::string& blobSuffix = "") {
    const std::filesystem::path blob =
        repoDir(repo) / "blobs" / (std::to_string(std::hash<std::string>{}(contents)) + blobSuffix);
    std::filesystem::create_directories(blob.parent_path());
    if (!std::filesystem::exists(blob)) writeTextFile(blob, contents);
    link(repo, commit, path, blob);
    return blob;
  }
  // Keeps a link that is already there.
  void link(const std::string& repo, const std::string& commit, const std::string& path,
            const std::filesystem::path& blob) {
    const std::filesystem::path file = snapshot(repo, commit) / path;
    if (std::filesystem::is_symlink(file)) return;
    std::filesystem::create_directories(file.parent_path());
    std::filesystem::create_symlink(blob.lexically_relative(file.parent_path()), file);
  }
  void ref(const std::string& repo, const std::string& name, const std::string& commit) {
    writeFile(repoDir(repo) / "refs" / name, commit);
  }
  // Every file of `tree` into repo@commit (blobs and links), refs/main too.
  void import(const std::string& repo, const std::string& commit,
              const std::filesystem::path& tree) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(tree))
      if (entry.is_regular_file())
        add(repo, commit, entry.path().lexically_relative(tree).generic_string(),
            readTextFile(entry.path()));
    ref(repo, "main", commit);
  }
  // Every file a preset names, with small contents, on refs/main.
  void addPreset(const ModelPreset& preset) {
    for (const auto& part : preset.parts) {
      for (const auto& file : part.include) add(part.repo, kCommitA, file, part.repo + "/" + file);
      ref(part.repo, "main", kCommitA);
    }
  }

 private:
  std::filesystem::path root_;
};

}  // namespace fd::test
