#pragma once
// The hub's HTTP API as the downloader uses it, with huggingface_hub's
// semantics: revision -> commit, the recursive tree listing (pages linked
// by `Link: <...>; rel="next"`), a file's metadata from HEAD on its resolve
// URL (redirects followed while they stay on the hub's origin, as
// huggingface_hub 2.x does; a CDN Location is returned, not followed).
// Transient failures (transport errors, 408, 429, 5xx) are retried with
// exponential backoff; errors the hub names in X-Error-Code (GatedRepo,
// RepoNotFound, RevisionNotFound, EntryNotFound) become errors a user can
// act on. Torch-free, Qt-free.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "hub/hub_config.h"
#include "hub/hub_download.h"
#include "hub/hub_http.h"

namespace fd::hub {

// What a request was about, for error messages.
struct HubTarget {
  std::string repo;
  std::string revision;
  std::string file;  // repo path, or empty for repository-level calls
};

struct TreeEntry {
  std::string path;
  uint64_t size = 0;
  std::string oid;                       // git blob id (the ETag of a regular file)
  std::optional<std::string> lfsSha256;  // LFS files: the sha256 (their ETag, X-Linked-Etag)
  std::optional<uint64_t> lfsSize;
  std::optional<std::string> xetHash;
  // The blob name this file has in the cache (blobs/<etag>).
  const std::string& etag() const { return lfsSha256 ? *lfsSha256 : oid; }
};

struct FileMetadata {
  std::string commit;     // X-Repo-Commit
  std::string etag;       // normalized: no quotes, no W/
  uint64_t size = 0;      // X-Linked-Size, else Content-Length
  bool lfs = false;       // X-Linked-Etag was given: etag is the content's sha256
  std::string location;   // where the bytes are (the resolve URL or a CDN URL)
  bool sendToken = true;  // false when location is on another host (signed URL)
};

// The header "authorization: Bearer ..." when the config has a token.
std::vector<std::string> authHeaders(const HubConfig& config);

// Runs the request, retrying transient failures up to config.maxAttempts
// times with exponential backoff (config.firstBackoffSeconds, doubling,
// at most 8 s; Retry-After honoured up to 60 s). A cancel stops the waits
// and the transfer (the response is then HttpFailure::Aborted).
HttpResponse requestWithRetries(const HubConfig& config, HttpRequest request,
                                const HubCancelCheck& cancel);

// Sleeps before retry `attempt` (1-based) in small steps; false when cancelled.
bool waitBeforeRetry(const HubConfig& config, int attempt, const HubCancelCheck& cancel,
                     double retryAfterSeconds = -1);

// 408, 429, 500, 502, 503, 504.
bool isTransientStatus(long status);

// The error for a failed response (transport failure or HTTP status).
Error hubHttpError(const HubConfig& config, const HubTarget& target, const std::string& url,
                   const HttpResponse& response);
Error cancelledError(const HubTarget& target);

Result<std::string> resolveRevision(const HubConfig& config, const std::string& repo,
                                    const std::string& revision, const HubCancelCheck& cancel);
Result<std::vector<TreeEntry>> listRepoTree(const HubConfig& config, const std::string& repo,
                                            const std::string& commit,
                                            const HubCancelCheck& cancel);
Result<FileMetadata> fileMetadata(const HubConfig& config, const HubTarget& target,
                                  const std::string& commit, const HubCancelCheck& cancel);

// {endpoint}/{repo}/resolve/{revision}/{path} with huggingface_hub's quoting.
std::string resolveUrlFor(const HubConfig& config, const std::string& repo,
                          const std::string& revision, const std::string& path);
// The "next" target of a Link header, or "" (relative targets resolved against `base`).
std::string nextPageUrl(const std::string& linkHeader, const std::string& base);
// huggingface_hub's _normalize_etag: leading W and / characters, then quotes, stripped.
std::string normalizeEtag(const std::string& etag);
// A full commit id: 40 lower-case hex digits.
bool isCommitHash(const std::string& revision);

}  // namespace fd::hub
