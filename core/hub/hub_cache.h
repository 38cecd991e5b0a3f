#pragma once
// Reading the shared Hugging Face cache without the network (layout in
// hub_download.h): what is there, and where a repository's snapshot is.
// Torch-free, Qt-free.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fd {

struct CachedSnapshot {
  std::string commit;
  std::string folder;              // {cache}/models--org--name/snapshots/{commit}
  std::vector<std::string> files;  // repo paths (files and symlinks that resolve)
};

struct CachedRepo {
  std::string repo;  // "org/name"
  std::vector<CachedSnapshot> snapshots;
  std::vector<std::pair<std::string, std::string>> refs;  // revision -> commit
  uint64_t blobBytes = 0;                                 // size of its blobs on disk
};

// Every model repository in the cache (datasets and spaces are skipped).
std::vector<CachedRepo> scanHubCache(const std::string& cacheDir);

// The files of one snapshot folder as repo paths ("tokenizer/vocab.json"),
// sorted: files and symlinks whose blob exists and is not a partial
// (*.incomplete) download.
std::vector<std::string> cachedSnapshotFiles(const std::string& snapshotFolder);

// The snapshot folder for repo@revision (a branch or tag through refs/, or a
// commit), or nullopt when the cache has none.
std::optional<std::string> findCachedSnapshot(const std::string& cacheDir, const std::string& repo,
                                              const std::string& revision = "main");

}  // namespace fd
