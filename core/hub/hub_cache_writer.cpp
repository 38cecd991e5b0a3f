#include "hub/hub_cache_writer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/atomic_file.h"

namespace fd::hub {

namespace fs = std::filesystem;

namespace {

Status ioError(const std::string& what, const std::string& path, int err) {
  return makeError(ErrorKind::Io,
                   "cannot " + what + " " + path + ": " + std::strerror(err) +
                       (err == ENOSPC ? " (the disk is full: free some space)"
                        : err == EACCES || err == EPERM || err == EROFS
                            ? " (choose a cache folder you can write: HF_HUB_CACHE or --cache-dir)"
                            : ""));
}

Status makeDirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return ioError("create the folder", path, ec.value());
  return Status::success();
}

}  // namespace

bool isSafeRepoPath(const std::string& path) {
  if (path.empty() || path[0] == '/' || path.find('\\') != std::string::npos ||
      path.find('\0') != std::string::npos)
    return false;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    std::string seg =
        path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    if (slash == std::string::npos) return true;
    start = slash + 1;
  }
}

CacheWriter::CacheWriter(std::string cacheDir, const std::string& repo)
    : cacheDir_(std::move(cacheDir)), folderName_(hubRepoFolderName(repo)) {
  storage_ = (fs::path(cacheDir_) / folderName_).string();
}

std::string CacheWriter::blobPath(const std::string& etag) const {
  return storage_ + "/blobs/" + etag;
}
std::string CacheWriter::incompletePath(const std::string& etag) const {
  return blobPath(etag) + ".incomplete";
}
std::string CacheWriter::snapshotFolder(const std::string& commit) const {
  return storage_ + "/snapshots/" + commit;
}
std::string CacheWriter::pointerPath(const std::string& commit, const std::string& repoPath) const {
  return snapshotFolder(commit) + "/" + repoPath;
}
std::string CacheWriter::lockPath(const std::string& etag) const {
  return (fs::path(cacheDir_) / ".locks" / folderName_ / (etag + ".lock")).string();
}

bool CacheWriter::hasBlob(const std::string& etag) const {
  struct stat st {};
  return ::stat(blobPath(etag).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool CacheWriter::hasPointer(const std::string& commit, const std::string& repoPath) const {
  struct stat st {};
  return ::stat(pointerPath(commit, repoPath).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

uint64_t CacheWriter::partialSize(const std::string& etag) const {
  struct stat st {};
  if (::stat(incompletePath(etag).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  return static_cast<uint64_t>(st.st_size);
}

Status CacheWriter::prepare(const std::string& commit) const {
  if (auto s = makeDirs(storage_ + "/blobs"); !s) return s;
  if (auto s = makeDirs(snapshotFolder(commit)); !s) return s;
  // Backup tools skip folders with this tag (https://bford.info/cachedir/);
  // huggingface_hub tags its cache the same way. Best effort.
  const std::string tag = cacheDir_ + "/CACHEDIR.TAG";
  if (!fs::exists(tag)) {
    std::ofstream out(tag, std::ios::binary);
    out << "Signature: 8a477f597d28d172789f06886806bc55\n"
           "# This file is a cache directory tag created by FluxDesk (the huggingface_hub cache).\n"
           "# For information about cache directory tags, see:\n"
           "#\thttps://bford.info/cachedir/\n";
  }
  return Status::success();
}

Status CacheWriter::linkPointer(const std::string& commit, const std::string& repoPath,
                                const std::string& etag) const {
  const std::string pointer = pointerPath(commit, repoPath);
  // From snapshots/{commit}/a/b.bin up to the storage folder: 2 + one per folder.
  std::string target;
  for (size_t i = 0, n = 2 + size_t(std::count(repoPath.begin(), repoPath.end(), '/')); i < n; ++i)
    target += "../";
  target += "blobs/" + etag;

  if (auto s = makeDirs(fs::path(pointer).parent_path().string()); !s) return s;
  std::error_code ec;
  auto status = fs::symlink_status(pointer, ec);
  if (!ec && fs::exists(status)) {
    if (fs::is_symlink(status) && fs::read_symlink(pointer, ec).string() == target)
      return Status::success();
    if (fs::is_directory(status))
      return makeError(ErrorKind::Io, "cannot place " + repoPath + ": " + pointer + " is a folder");
    if (::unlink(pointer.c_str()) != 0 && errno != ENOENT)
      return ioError("replace", pointer, errno);
  }
  if (::symlink(target.c_str(), pointer.c_str()) != 0) {
    // Another process may have linked it at the same moment.
    if (errno == EEXIST && fs::read_symlink(pointer, ec).string() == target)
      return Status::success();
    return ioError("create the link", pointer, errno);
  }
  return Status::success();
}

Status CacheWriter::writeRef(const std::string& revision, const std::string& commit) const {
  if (revision == commit) return Status::success();
  const fs::path ref = fs::path(storage_) / "refs" / revision;
  {
    std::ifstream in(ref, std::ios::binary);
    if (in) {
      std::ostringstream text;
      text << in.rdbuf();
      if (text.str() == commit) return Status::success();
    }
  }
  if (auto s = makeDirs(ref.parent_path().string()); !s) return s;
  return writeFileAtomically(ref.string(), commit);
}

Status CacheWriter::commitBlob(const std::string& etag) const {
  const std::string from = incompletePath(etag), to = blobPath(etag);
  if (::rename(from.c_str(), to.c_str()) != 0)
    return ioError("move the finished download to", to, errno);
  return Status::success();
}

void CacheWriter::removePartial(const std::string& etag) const {
  ::unlink(incompletePath(etag).c_str());
}

std::optional<std::vector<TreeEntry>> CacheWriter::readTreeCache(const std::string& commit) const {
  std::ifstream in(storage_ + "/trees/" + commit + ".json", std::ios::binary);
  if (!in) return std::nullopt;
  auto json = nlohmann::json::parse(in, nullptr, false);
  if (!json.is_object() || json.value("format_version", 0) != 1 || !json.contains("files") ||
      !json["files"].is_object())
    return std::nullopt;
  std::vector<TreeEntry> entries;
  for (const auto& [path, info] : json["files"].items()) {
    if (!info.is_object() || !info.contains("size") || !info["size"].is_number_unsigned() ||
        !info.contains("blob_id") || !info["blob_id"].is_string())
      return std::nullopt;
    TreeEntry e;
    e.path = path;
    e.size = info["size"].get<uint64_t>();
    e.oid = info["blob_id"].get<std::string>();
    if (info.contains("lfs_sha256") && info["lfs_sha256"].is_string()) {
      e.lfsSha256 = info["lfs_sha256"].get<std::string>();
      if (info.contains("lfs_size") && info["lfs_size"].is_number_unsigned())
        e.lfsSize = info["lfs_size"].get<uint64_t>();
    }
    if (info.contains("xet_hash") && info["xet_hash"].is_string())
      e.xetHash = info["xet_hash"].get<std::string>();
    entries.push_back(std::move(e));
  }
  return entries;
}

void CacheWriter::writeTreeCache(const std::string& commit,
                                 const std::vector<TreeEntry>& entries) const {
  // The same file huggingface_hub 2.x writes (format_version 1, files sorted).
  std::vector<const TreeEntry*> sorted;
  for (const auto& e : entries) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(),
            [](const TreeEntry* a, const TreeEntry* b) { return a->path < b->path; });
  nlohmann::ordered_json files = nlohmann::ordered_json::object();
  for (const TreeEntry* e : sorted) {
    nlohmann::ordered_json info;
    info["size"] = e->size;
    info["blob_id"] = e->oid;
    if (e->lfsSha256) {
      info["lfs_sha256"] = *e->lfsSha256;
      info["lfs_size"] = e->lfsSize.value_or(e->size);
    }
    if (e->xetHash) info["xet_hash"] = *e->xetHash;
    files[e->path] = std::move(info);
  }
  nlohmann::ordered_json doc;
  doc["format_version"] = 1;
  doc["files"] = std::move(files);
  const std::string folder = storage_ + "/trees";
  if (!makeDirs(folder)) return;
  // A cache: a failed write only costs a listing next time.
  (void)writeFileAtomically(folder + "/" + commit + ".json", doc.dump(1));
}

BlobLock::~BlobLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

Status BlobLock::acquire(const std::string& path, const std::function<bool()>& cancel) {
  if (auto s = makeDirs(fs::path(path).parent_path().string()); !s) return s;
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return ioError("create the lock file", path, errno);
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) return ioError("lock", path, errno);
    if (cancel && cancel())
      return makeError(ErrorKind::Cancelled, "cancelled while waiting for " + path);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status::success();
}

}  // namespace fd::hub
