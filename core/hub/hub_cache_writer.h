#pragma once
// Writing the shared Hugging Face cache exactly as huggingface_hub does:
//   {cache}/models--org--name/blobs/{etag}                (file bytes; etag without quotes or W/)
//   {cache}/models--org--name/blobs/{etag}.incomplete     (a partial download, resumed with Range)
//   {cache}/models--org--name/snapshots/{commit}/{path}   (relative symlink ../../blobs/{etag},
//                                                          one more ../ per folder level of path)
//   {cache}/models--org--name/refs/{revision}             (the commit, no newline)
//   {cache}/models--org--name/trees/{commit}.json         (huggingface_hub 2.x's tree listing
//   cache) {cache}/.locks/models--org--name/{etag}.lock          (flock while a blob is written)
//   {cache}/CACHEDIR.TAG                                  (backup tools skip the cache)
// Torch-free, Qt-free.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "hub/hub_api.h"

namespace fd::hub {

class CacheWriter {
 public:
  CacheWriter(std::string cacheDir, const std::string& repo);

  const std::string& cacheDir() const { return cacheDir_; }
  const std::string& storageFolder() const { return storage_; }  // {cache}/models--org--name
  std::string blobPath(const std::string& etag) const;
  std::string incompletePath(const std::string& etag) const;
  std::string snapshotFolder(const std::string& commit) const;
  std::string pointerPath(const std::string& commit, const std::string& repoPath) const;
  std::string lockPath(const std::string& etag) const;

  // The blob is in the cache (a file, or a symlink to one: huggingface_hub's
  // shared blob store links blobs).
  bool hasBlob(const std::string& etag) const;
  // The snapshot's entry exists and resolves to a file.
  bool hasPointer(const std::string& commit, const std::string& repoPath) const;
  uint64_t partialSize(const std::string& etag) const;  // 0 when none

  // Creates blobs/ and snapshots/{commit}/ (Io error naming the folder), and CACHEDIR.TAG.
  Status prepare(const std::string& commit) const;
  // snapshots/{commit}/{path} -> ../../blobs/{etag} (replaced when it points elsewhere).
  Status linkPointer(const std::string& commit, const std::string& repoPath,
                     const std::string& etag) const;
  // refs/{revision} = commit (atomically, only when it changes; nothing for a commit revision).
  Status writeRef(const std::string& revision, const std::string& commit) const;
  // Moves blobs/{etag}.incomplete to blobs/{etag}.
  Status commitBlob(const std::string& etag) const;
  void removePartial(const std::string& etag) const;

  // trees/{commit}.json: read (nullopt when absent or not format 1) and write (best effort).
  std::optional<std::vector<TreeEntry>> readTreeCache(const std::string& commit) const;
  void writeTreeCache(const std::string& commit, const std::vector<TreeEntry>& entries) const;

 private:
  std::string cacheDir_;
  std::string folderName_;
  std::string storage_;
};

// An exclusive flock on a lock file, released when the object dies.
class BlobLock {
 public:
  BlobLock() = default;
  ~BlobLock();
  BlobLock(const BlobLock&) = delete;
  BlobLock& operator=(const BlobLock&) = delete;
  // Waits for the lock (polling, so a cancel stops the wait). Io error when
  // the lock file cannot be created; Cancelled when cancel says so.
  Status acquire(const std::string& path, const std::function<bool()>& cancel);

 private:
  int fd_ = -1;
};

// A repo path that is safe to place under snapshots/{commit}/ (relative, no
// "..", no empty or "." segments, no backslashes or NUL).
bool isSafeRepoPath(const std::string& path);

}  // namespace fd::hub
