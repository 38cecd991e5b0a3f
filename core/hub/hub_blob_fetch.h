#pragma once
// Fetching one file's bytes into its partial blob (blobs/{etag}.incomplete):
// resumed with a Range from what is already there, retried with backoff on
// a cut connection or a transient status (the counter starts over whenever
// bytes arrive, as huggingface_hub does), restarted when a server ignores
// the Range, and checked against the expected size and (LFS files) sha256,
// hashed as the bytes arrive. A file that fails the check is deleted.
// Torch-free, Qt-free.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/result.h"
#include "hub/hub_api.h"

namespace fd::hub {

struct BlobFetch {
  HubTarget target;         // for messages
  std::string url;          // resolve URL or CDN URL (redirects followed)
  bool sendToken = true;    // only to the hub itself
  std::string partialPath;  // blobs/{etag}.incomplete
  uint64_t expectedSize = 0;
  std::optional<std::string> expectedSha256;
};

struct BlobFetchEvents {
  // Bytes added to (positive) or dropped from (negative, a restart) the partial file.
  std::function<void(int64_t delta)> onBytes;
  // Before and after hashing the bytes a partial file already has (true, false).
  std::function<void(bool verifying)> onVerifying;
  HubCancelCheck cancel;
};

// The bytes transferred; on success the partial file holds exactly the
// expected bytes. Cancelled leaves the partial file for the caller to keep or delete.
Result<uint64_t> fetchBlob(const HubConfig& config, const BlobFetch& fetch,
                           const BlobFetchEvents& events);

}  // namespace fd::hub
