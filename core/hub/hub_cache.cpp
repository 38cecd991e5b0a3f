#include "hub/hub_cache.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace fd {

namespace {

namespace fs = std::filesystem;

const char kModelsPrefix[] = "models--";

bool isDir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string trimmed(const std::string& s) {
  const char* space = " \t\r\n";
  size_t begin = s.find_first_not_of(space);
  if (begin == std::string::npos) return {};
  return s.substr(begin, s.find_last_not_of(space) - begin + 1);
}

// A ref file holds the commit hash (huggingface_hub writes it without a
// newline; a newline added by hand is tolerated).
std::string readRef(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return trimmed(text.str());
}

// "org/name" -> "models--org--name". huggingface_hub's repo_folder_name
// for model repositories.
std::string repoFolderName(const std::string& repo) {
  std::string name = kModelsPrefix;
  for (char c : repo) {
    if (c == '/')
      name += "--";
    else
      name += c;
  }
  return name;
}

// A revision names a ref file under refs/ ("main", "v1.0", "refs/pr/1") or
// a snapshot folder (a commit): no absolute paths, no "." or ".." parts, no
// backslashes, so it never leaves the repository's folder.
bool safeRevision(const std::string& revision) {
  if (revision.empty() || revision.front() == '/' || revision.back() == '/' ||
      revision.find('\\') != std::string::npos || revision.find('\0') != std::string::npos)
    return false;
  std::stringstream parts(revision);
  std::string part;
  while (std::getline(parts, part, '/'))
    if (part.empty() || part == "." || part == "..") return false;
  return true;
}

// What a snapshot entry is, following its symlink: a usable file (the blob
// exists, is a regular file and is not a partial download) and the path of
// the bytes. A broken link (blob deleted, download never finished) is not
// a file of the snapshot.
bool resolvedFile(const fs::path& entry, fs::path& target) {
  std::error_code ec;
  if (!fs::is_regular_file(entry, ec)) return false;  // follows links: false when broken
  target = fs::canonical(entry, ec);
  if (ec) return false;
  return !endsWith(target.filename().string(), ".incomplete") &&
         !endsWith(entry.filename().string(), ".incomplete");
}

// Files of one snapshot folder, as repo paths ("tokenizer/vocab.json"),
// sorted; `blobs` collects the files their links resolve to.
std::vector<std::string> snapshotFiles(const fs::path& folder, std::set<fs::path>& blobs) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator
           it(folder, fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    std::error_code typeEc;
    if (it->is_directory(typeEc)) continue;
    fs::path target;
    if (!resolvedFile(it->path(), target)) continue;
    blobs.insert(target);
    files.push_back(it->path().lexically_relative(folder).generic_string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::pair<std::string, std::string>> readRefs(const fs::path& refsDir) {
  std::vector<std::pair<std::string, std::string>> refs;
  if (!isDir(refsDir)) return refs;
  std::error_code ec;
  for (fs::recursive_directory_iterator
           it(refsDir, fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    std::error_code typeEc;
    if (!it->is_regular_file(typeEc)) continue;
    const std::string name = it->path().lexically_relative(refsDir).generic_string();
    if (name == ".DS_Store" || endsWith(name, "/.DS_Store")) continue;
    const std::string commit = readRef(it->path());
    if (!commit.empty()) refs.emplace_back(name, commit);
  }
  std::sort(refs.begin(), refs.end());
  return refs;
}

std::optional<CachedRepo> scanRepo(const fs::path& repoDir, const std::string& repo) {
  const fs::path snapshotsDir = repoDir / "snapshots";
  // Without snapshots/ it is not a usable cache entry (huggingface_hub calls
  // it corrupted); skip it rather than fail the whole scan.
  if (!isDir(snapshotsDir)) return std::nullopt;
  CachedRepo cached;
  cached.repo = repo;
  cached.refs = readRefs(repoDir / "refs");
  std::set<fs::path> blobs;
  std::error_code ec;
  for (fs::directory_iterator it(snapshotsDir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!isDir(it->path())) continue;
    CachedSnapshot snapshot;
    snapshot.commit = it->path().filename().string();
    snapshot.folder = it->path().string();
    snapshot.files = snapshotFiles(it->path(), blobs);
    cached.snapshots.push_back(std::move(snapshot));
  }
  std::sort(cached.snapshots.begin(), cached.snapshots.end(),
            [](const CachedSnapshot& a, const CachedSnapshot& b) { return a.commit < b.commit; });
  // As huggingface_hub's scan_cache_dir: the bytes of the distinct blobs the
  // snapshots use (partial downloads and orphaned blobs are not counted).
  for (const auto& blob : blobs) {
    std::error_code sizeEc;
    const uint64_t size = fs::file_size(blob, sizeEc);
    if (!sizeEc) cached.blobBytes += size;
  }
  return cached;
}

}  // namespace

std::vector<CachedRepo> scanHubCache(const std::string& cacheDir) {
  std::vector<CachedRepo> repos;
  if (cacheDir.empty() || !isDir(cacheDir)) return repos;
  std::error_code ec;
  for (fs::directory_iterator it(cacheDir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // datasets--*, spaces--*, .locks, CACHEDIR.TAG, version.txt: not models.
    if (name.rfind(kModelsPrefix, 0) != 0 || !isDir(it->path())) continue;
    std::string repo = name.substr(sizeof kModelsPrefix - 1);
    if (repo.empty()) continue;
    // "org--name" -> "org/name" (repo ids never contain "--").
    for (size_t at = repo.find("--"); at != std::string::npos; at = repo.find("--", at + 1))
      repo.replace(at, 2, "/");
    if (auto cached = scanRepo(it->path(), repo)) repos.push_back(std::move(*cached));
  }
  std::sort(repos.begin(), repos.end(),
            [](const CachedRepo& a, const CachedRepo& b) { return a.repo < b.repo; });
  return repos;
}

std::vector<std::string> cachedSnapshotFiles(const std::string& snapshotFolder) {
  std::set<fs::path> blobs;
  if (snapshotFolder.empty() || !isDir(snapshotFolder)) return {};
  return snapshotFiles(snapshotFolder, blobs);
}

std::optional<std::string> findCachedSnapshot(const std::string& cacheDir, const std::string& repo,
                                              const std::string& revision) {
  const std::string rev = revision.empty() ? "main" : revision;
  if (cacheDir.empty() || repo.empty() || !safeRevision(rev) || !safeRevision(repo) ||
      repo.find("--") != std::string::npos)
    return std::nullopt;
  const fs::path repoDir = fs::path(cacheDir) / repoFolderName(repo);
  // As huggingface_hub's try_to_load_from_cache: a ref (branch, tag,
  // "refs/pr/1") names a commit; anything else is taken as a commit.
  std::string commit = rev;
  std::error_code ec;
  const fs::path ref = repoDir / "refs" / rev;
  if (fs::is_regular_file(ref, ec)) commit = readRef(ref);
  if (!safeRevision(commit) || commit.find('/') != std::string::npos) return std::nullopt;
  const fs::path snapshot = repoDir / "snapshots" / commit;
  if (!isDir(snapshot)) return std::nullopt;
  return snapshot.string();
}

}  // namespace fd
