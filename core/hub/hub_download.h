#pragma once
// Downloading a repository snapshot from the Hugging Face hub into the
// shared cache, as huggingface_hub's snapshot_download does:
//   revision -> commit   GET  {endpoint}/api/models/{repo}/revision/{rev}
//   file list            GET  {endpoint}/api/models/{repo}/tree/{commit}?recursive=true (Link
//   rel="next" pages) per file metadata    HEAD {endpoint}/{repo}/resolve/{commit}/{path} (redirect
//   not followed):
//                        X-Repo-Commit, ETag, X-Linked-Etag (LFS sha256), X-Linked-Size, Location
//   bytes                GET  the resolve URL, following redirects (other hosts, relative
//   Locations)
// into {cache}/models--{org}--{name}/blobs/{etag} (partial: {etag}.incomplete,
// resumed with Range), snapshots/{commit}/{path} (relative symlinks into
// blobs), refs/{revision} (the commit). LFS files are checked against their
// sha256 before they are moved into place; a blob already in the cache is
// never fetched again. Free disk space is checked from the sizes before any
// transfer. Like huggingface_hub 2.x it also keeps the commit's listing in
// trees/{commit}.json (read instead of listing again), locks a blob being
// written with flock on {cache}/.locks/models--org--name/{etag}.lock, and
// tags the cache with CACHEDIR.TAG. Files are fetched one at a time, in
// listing order (hub_cache_writer.h, hub_api.h, hub_blob_fetch.h).
// Torch-free, Qt-free.
//
// Errors: AccessDenied (401/403; a gated repository names its page to
// accept the licence at and how to give a token), ModelMissing (repository,
// revision or file not found), Network (no connection, timeouts, server
// errors after retries), Io (disk full, not enough space, permissions),
// Cancelled (the cancel check said so; partial files are kept for resuming
// unless the request says otherwise), BadRequest (malformed repo id).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "hub/hub_config.h"

namespace fd {

struct HubDownloadRequest {
  std::string repo;               // "org/name"
  std::string revision = "main";  // branch, tag or commit
  // fnmatch globs on repo paths ("*.json", "tokenizer/*"); empty: all
  std::vector<std::string> include;
  std::vector<std::string> exclude;  // applied after include
  bool keepPartialOnCancel = true;   // false: a cancelled download deletes its .incomplete files
};

struct HubDownloadProgress {
  std::string stage;     // "resolving", "listing", "downloading", "verifying", "done"
  std::string file;      // repo path of the current file
  size_t fileIndex = 0;  // 0-based
  size_t fileCount = 0;
  uint64_t bytesDone = 0;  // over the whole snapshot, cached files included
  uint64_t bytesTotal = 0;
  double bytesPerSecond = 0;  // of the transfer, smoothed
  double etaSeconds = -1;     // -1 when unknown
};

using HubProgressCallback = std::function<void(const HubDownloadProgress&)>;
using HubCancelCheck = std::function<bool()>;  // true: stop as soon as possible

struct HubSnapshot {
  std::string repo, revision, commit;
  std::string folder;              // {cache}/models--org--name/snapshots/{commit}
  std::vector<std::string> files;  // repo paths present in the snapshot folder
  uint64_t downloadedBytes = 0;    // transferred this time
  uint64_t reusedBytes = 0;        // already in the cache
};

Result<HubSnapshot> downloadSnapshot(const HubConfig& config, const HubDownloadRequest& request,
                                     const HubProgressCallback& progress = {},
                                     const HubCancelCheck& cancel = {});

// "org/name" -> "models--org--name" (the cache folder name).
std::string hubRepoFolderName(const std::string& repo);

// Free bytes for unprivileged writes in the file system holding `folder`
// (the nearest existing parent is asked), or nullopt when unknown (the
// check is then skipped). The default is statvfs; tests replace it to
// simulate a full disk (an empty function restores the default).
using HubFreeSpaceProbe = std::function<std::optional<uint64_t>(const std::string& folder)>;
void setHubFreeSpaceProbe(HubFreeSpaceProbe probe);
std::optional<uint64_t> hubFreeSpace(const std::string& folder);

}  // namespace fd
