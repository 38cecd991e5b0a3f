#include "hub/hub_download.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <vector>

#include "hub/hub_api.h"
#include "hub/hub_blob_fetch.h"
#include "hub/hub_cache_writer.h"
#include "hub/hub_filter.h"
#include "hub/hub_progress.h"

namespace fd {

namespace {

namespace fs = std::filesystem;
using hub::CacheWriter;
using hub::HubTarget;
using hub::TreeEntry;

std::mutex gProbeMutex;
HubFreeSpaceProbe gProbe;

std::optional<uint64_t> statvfsFreeSpace(const std::string& folder) {
  fs::path p = folder.empty() ? fs::path(".") : fs::path(folder);
  for (;;) {
    struct statvfs st {};
    if (::statvfs(p.c_str(), &st) == 0) return uint64_t(st.f_bavail) * uint64_t(st.f_frsize);
    if (!p.has_parent_path() || p.parent_path() == p) return std::nullopt;
    p = p.parent_path();
  }
}

bool isWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// huggingface_hub's validate_repo_id: "name" or "namespace/name" of
// [A-Za-z0-9_.-], each starting and ending with a letter, digit or '_',
// the name at most 96 characters, no "--" or "..", not ending in ".git".
bool isValidRepoId(const std::string& repo) {
  if (repo.find("--") != std::string::npos || repo.find("..") != std::string::npos) return false;
  if (repo.size() >= 4 && repo.compare(repo.size() - 4, 4, ".git") == 0) return false;
  auto slash = repo.find('/');
  std::vector<std::string> parts;
  if (slash == std::string::npos) {
    parts = {repo};
  } else {
    parts = {repo.substr(0, slash), repo.substr(slash + 1)};
  }
  if (parts.back().size() > 96) return false;
  for (const auto& part : parts) {
    if (part.empty() || !isWordChar(part.front()) || !isWordChar(part.back())) return false;
    for (char c : part)
      if (!isWordChar(c) && c != '-' && c != '.') return false;
  }
  return true;
}

bool isValidRevision(const std::string& revision) {
  if (revision.empty() || revision[0] == '/' || revision.find("..") != std::string::npos)
    return false;
  for (char c : revision)
    if (static_cast<unsigned char>(c) < 0x20 || c == '\\') return false;
  return hub::isSafeRepoPath(revision);
}

std::string gigabytes(uint64_t bytes) {
  char text[32];
  if (bytes >= 1000ull * 1000 * 1000) {
    std::snprintf(text, sizeof text, "%.2f GB", double(bytes) / 1e9);
  } else {
    std::snprintf(text, sizeof text, "%.1f MB", double(bytes) / 1e6);
  }
  return text;
}

struct Planned {
  const TreeEntry* entry = nullptr;
  bool linked = false;   // snapshots/{commit}/{path} already resolves
  bool blob = false;     // blobs/{etag} (etag from the listing) is there
  uint64_t partial = 0;  // bytes of blobs/{etag}.incomplete
};

std::string selectionText(const HubDownloadRequest& r) {
  std::string s;
  for (const auto& p : r.include) s += " --include '" + p + "'";
  for (const auto& p : r.exclude) s += " --exclude '" + p + "'";
  return s;
}

}  // namespace

void setHubFreeSpaceProbe(HubFreeSpaceProbe probe) {
  std::lock_guard<std::mutex> lock(gProbeMutex);
  gProbe = std::move(probe);
}

std::optional<uint64_t> hubFreeSpace(const std::string& folder) {
  HubFreeSpaceProbe probe;
  {
    std::lock_guard<std::mutex> lock(gProbeMutex);
    probe = gProbe;
  }
  return probe ? probe(folder) : statvfsFreeSpace(folder);
}

std::string hubRepoFolderName(const std::string& repo) {
  std::string name = "models--";
  for (char c : repo) {
    if (c == '/') {
      name += "--";
    } else {
      name += c;
    }
  }
  return name;
}

Result<HubSnapshot> downloadSnapshot(const HubConfig& config, const HubDownloadRequest& request,
                                     const HubProgressCallback& progress,
                                     const HubCancelCheck& cancel) {
  if (!isValidRepoId(request.repo))
    return makeError(ErrorKind::BadRequest,
                     "'" + request.repo +
                         "' is not a Hugging Face repository id (org/name, e.g. "
                         "black-forest-labs/FLUX.1-schnell)");
  if (!isValidRevision(request.revision))
    return makeError(ErrorKind::BadRequest,
                     "'" + request.revision + "' is not a revision (a branch, tag or commit)");
  if (config.cacheDir.empty())
    return makeError(ErrorKind::BadRequest,
                     "no cache folder to download " + request.repo + " into");

  const HubTarget repoTarget{request.repo, request.revision, ""};
  auto cancelled = [&] { return cancel && cancel(); };
  hub::ProgressTracker tracker(progress);

  // 1. revision -> commit; 2. the file list.
  tracker.stage("resolving");
  auto commit = hub::resolveRevision(config, request.repo, request.revision, cancel);
  if (!commit) return commit.error();
  CacheWriter cache(config.cacheDir, request.repo);

  tracker.stage("listing");
  std::vector<TreeEntry> tree;
  if (auto cached = cache.readTreeCache(*commit)) {
    tree = std::move(*cached);
  } else {
    auto listed = hub::listRepoTree(config, request.repo, *commit, cancel);
    if (!listed) return listed.error();
    tree = std::move(*listed);
    cache.writeTreeCache(*commit, tree);
  }
  if (cancelled()) return hub::cancelledError(repoTarget);

  std::vector<Planned> plan;
  for (const auto& entry : tree) {
    if (!hub::hubPathSelected(entry.path, request.include, request.exclude)) continue;
    if (!hub::isSafeRepoPath(entry.path) || !hub::isSafeRepoPath(entry.etag()))
      return makeError(ErrorKind::ModelInvalid,
                       config.endpoint + " listed '" + entry.path + "' in " + request.repo +
                           ", which FluxDesk will not write outside its cache folder");
    plan.push_back({&entry});
  }
  if (plan.empty()) {
    std::string some;
    for (size_t i = 0; i < tree.size() && i < 8; ++i) some += (i ? ", " : "") + tree[i].path;
    if (tree.size() > 8) some += ", ...";
    return makeError(ErrorKind::ModelMissing,
                     tree.empty()
                         ? request.repo + " has no files at revision " + request.revision
                         : "no file of " + request.repo + " at revision " + request.revision +
                               " matches" + selectionText(request) + " (it has " + some + ")");
  }

  // 3. What is there already, and the space the rest needs.
  uint64_t total = 0, present = 0, needed = 0;
  for (auto& p : plan) {
    const TreeEntry& e = *p.entry;
    total += e.size;
    p.linked = cache.hasPointer(*commit, e.path);
    p.blob = !p.linked && cache.hasBlob(e.etag());
    p.partial = p.linked || p.blob ? 0 : std::min(cache.partialSize(e.etag()), e.size);
    if (p.linked || p.blob) {
      present += e.size;
    } else {
      present += p.partial;
      needed += e.size - p.partial;
    }
  }
  if (needed > 0) {
    if (auto free = hubFreeSpace(config.cacheDir); free && *free < needed) {
      return makeError(
          ErrorKind::Io,
          "not enough free space for " + request.repo + ": the download needs " +
              gigabytes(needed) + " more in " + config.cacheDir + " and only " + gigabytes(*free) +
              " are free; free some space or choose another cache folder (HF_HUB_CACHE, "
              "or --cache-dir with fluxdesk-cli download)");
    }
  }
  tracker.totals(total, present, plan.size());

  if (auto s = cache.prepare(*commit); !s) return s.error();
  // huggingface_hub records the branch or tag before fetching the files.
  if (auto s = cache.writeRef(request.revision, *commit); !s) return s.error();

  auto dropPartials = [&] {
    if (request.keepPartialOnCancel) return;
    for (const auto& p : plan) cache.removePartial(p.entry->etag());
  };

  // 4. Each file: metadata from HEAD, then the bytes unless the blob is there.
  tracker.stage("downloading");
  HubSnapshot snapshot;
  snapshot.repo = request.repo;
  snapshot.revision = request.revision;
  snapshot.commit = *commit;
  snapshot.folder = cache.snapshotFolder(*commit);
  for (size_t i = 0; i < plan.size(); ++i) {
    const TreeEntry& entry = *plan[i].entry;
    const HubTarget target{request.repo, request.revision, entry.path};
    if (cancelled()) {
      dropPartials();
      return hub::cancelledError(target);
    }
    tracker.file(i, entry.path);
    snapshot.files.push_back(entry.path);
    if (plan[i].linked) {
      snapshot.reusedBytes += entry.size;
      continue;
    }
    auto meta = hub::fileMetadata(config, target, *commit, cancel);
    if (!meta) {
      if (meta.error().kind == ErrorKind::Cancelled) dropPartials();
      return meta.error();
    }
    if (!hub::isSafeRepoPath(meta->etag))
      return makeError(ErrorKind::Network, "the hub named '" + entry.path + "' of " + request.repo +
                                               " with an unusable ETag '" + meta->etag + "'");
    const std::string etag = meta->etag;
    // The listing's etag predicted what was there; the hub's answer decides.
    const bool predicted = etag == entry.etag();
    if (!predicted)
      tracker.bytes(-static_cast<int64_t>(plan[i].blob ? entry.size : plan[i].partial));

    if (!cache.hasBlob(etag)) {
      hub::BlobLock lock;  // the same lock huggingface_hub takes for this blob
      if (auto s = lock.acquire(cache.lockPath(etag), cancel); !s) {
        if (s.error().kind == ErrorKind::Cancelled) dropPartials();
        return s.error();
      }
      if (!cache.hasBlob(etag)) {
        hub::BlobFetch fetch;
        fetch.target = target;
        fetch.url = meta->location;
        fetch.sendToken = meta->sendToken;
        fetch.partialPath = cache.incompletePath(etag);
        fetch.expectedSize = meta->size;
        if (meta->lfs && etag.size() == 64) fetch.expectedSha256 = etag;
        if (!predicted)
          tracker.bytes(static_cast<int64_t>(std::min(cache.partialSize(etag), meta->size)));
        hub::BlobFetchEvents events;
        events.cancel = cancel;
        events.onBytes = [&](int64_t delta) { tracker.bytes(delta); };
        // Hashing what a partial file already holds reads it back: say so.
        events.onVerifying = [&](bool verifying) {
          tracker.stage(verifying ? "verifying" : "downloading");
        };
        auto fetched = hub::fetchBlob(config, fetch, events);
        if (!fetched) {
          if (fetched.error().kind == ErrorKind::Cancelled) dropPartials();
          return fetched.error();
        }
        snapshot.downloadedBytes += *fetched;
        snapshot.reusedBytes += meta->size - std::min(meta->size, *fetched);
        if (auto s = cache.commitBlob(etag); !s) return s.error();
      } else {
        snapshot.reusedBytes += meta->size;
        if (!predicted) tracker.bytes(static_cast<int64_t>(meta->size));
      }
    } else {
      snapshot.reusedBytes += meta->size;
      if (!predicted) tracker.bytes(static_cast<int64_t>(meta->size));
    }
    if (auto s = cache.linkPointer(*commit, entry.path, etag); !s) return s.error();
  }
  tracker.done();
  return snapshot;
}

}  // namespace fd
