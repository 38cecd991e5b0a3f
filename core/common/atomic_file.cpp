#include "common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>  // renameat2, RENAME_NOREPLACE (glibc >= 2.28)
#include <cstring>
#include <random>
#include <utility>

namespace fd {

namespace {

// Random, not pid + counter: processes in different PID namespaces (a
// container serving into the user's library) can share a pid. O_EXCL makes
// a clash a retry, never a shared file.
int createTempBeside(const std::string& path, std::string& tempPath) {
  static thread_local std::mt19937 random{std::random_device{}()};
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0; attempt < 16; ++attempt) {
    tempPath = path + kAtomicTempMarker;
    for (int i = 0; i < 8; ++i) tempPath += kAlphabet[random() % (sizeof(kAlphabet) - 1)];
    int fd = ::open(tempPath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

std::string folderOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Makes a rename durable; best effort (some file systems refuse to sync a
// folder, and the data itself is already on disk).
void syncFolderOf(const std::string& path) {
  int fd = ::open(folderOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// rename() that fails with EEXIST instead of replacing. RENAME_NOREPLACE is
// refused by some file systems (EINVAL: older NFS, some FUSE); link() then
// gives the same guarantee (it never replaces), the temporary name is
// dropped after. File systems without hard links either (FAT, exFAT) get a
// check before the rename: a window of microseconds, not of a whole write.
int renameNoReplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  if (::link(from.c_str(), to.c_str()) == 0) {
    ::unlink(from.c_str());
    return 0;
  }
  if (errno != EPERM && errno != EOPNOTSUPP) return -1;
  if (::access(to.c_str(), F_OK) == 0) {
    errno = EEXIST;
    return -1;
  }
  return ::rename(from.c_str(), to.c_str());
}

}  // namespace

Error fileWriteError(const std::string& action, const std::string& path, int errorNumber) {
  // Path first, as every file error of the weights layer reads.
  std::string message = path + ": cannot " + action + ": " + std::strerror(errorNumber);
  if (errorNumber == ENOSPC) message += " (the disk is full)";
  if (errorNumber == EDQUOT) message += " (the disk quota is used up)";
  return makeError(ErrorKind::Io, std::move(message));
}

Result<AtomicFile> AtomicFile::create(const std::string& path) {
  AtomicFile file;
  file.path_ = path;
  file.fd_ = createTempBeside(path, file.tempPath_);
  if (file.fd_ < 0) return fileWriteError("create the file", path, errno);
  file.pending_ = true;
  return Result<AtomicFile>(std::move(file));
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)),
      tempPath_(std::move(other.tempPath_)),
      fd_(std::exchange(other.fd_, -1)),
      pending_(std::exchange(other.pending_, false)),
      written_(other.written_) {}

AtomicFile& AtomicFile::operator=(AtomicFile&& other) noexcept {
  if (this != &other) {
    discard();
    path_ = std::move(other.path_);
    tempPath_ = std::move(other.tempPath_);
    fd_ = std::exchange(other.fd_, -1);
    pending_ = std::exchange(other.pending_, false);
    written_ = other.written_;
  }
  return *this;
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (pending_) ::unlink(tempPath_.c_str());
  pending_ = false;
}

Status AtomicFile::write(const void* bytes, size_t count) {
  if (fd_ < 0) return fileWriteError("write", path_, EBADF);
  const auto* next = static_cast<const char*>(bytes);
  while (count > 0) {
    ssize_t n = ::write(fd_, next, count);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n == 0 ? ENOSPC : errno;  // 0 bytes written: no room
      discard();
      return fileWriteError("write", path_, error);
    }
    next += n;
    count -= static_cast<size_t>(n);
    written_ += static_cast<uint64_t>(n);
  }
  return Status::success();
}

Status AtomicFile::writeZeros(size_t count) {
  static const uint8_t kZeros[256] = {};
  while (count > 0) {
    const size_t chunk = count < sizeof kZeros ? count : sizeof kZeros;
    Status written = write(kZeros, chunk);
    if (!written.ok()) return written;
    count -= chunk;
  }
  return Status::success();
}

Status AtomicFile::flush() {
  if (fd_ < 0) return pending_ ? Status::success() : Status(fileWriteError("write", path_, EBADF));
  // fsync before rename: otherwise a crash can leave an empty file under the
  // final name. EINVAL/EROFS: file systems without fsync (some FUSE mounts).
  // close() can report a deferred write error (NFS, quota).
  int error = 0;
  if (::fsync(fd_) != 0 && errno != EINVAL && errno != EROFS) error = errno;
  if (::close(fd_) != 0 && error == 0) error = errno;
  fd_ = -1;
  if (error == 0) return Status::success();
  discard();
  return fileWriteError("write", path_, error);
}

Status AtomicFile::commit() {
  Status flushed = flush();
  if (!flushed.ok()) return flushed;
  if (::rename(tempPath_.c_str(), path_.c_str()) != 0) {
    const int error = errno;
    discard();
    return fileWriteError("move the finished file into place", path_, error);
  }
  pending_ = false;
  syncFolderOf(path_);
  return Status::success();
}

Result<bool> AtomicFile::commitAsNew(const std::string& path) {
  Status flushed = flush();
  if (!flushed.ok()) return flushed.error();
  if (folderOf(path) != folderOf(tempPath_))
    return makeError(ErrorKind::Internal, "'" + path + "' is not in the folder of '" + path_ + "'");
  if (renameNoReplace(tempPath_, path) != 0) {
    const int error = errno;
    if (error == EEXIST) return false;  // keeps the temporary file for another name
    discard();
    return fileWriteError("move the finished file into place", path, error);
  }
  path_ = path;
  pending_ = false;
  syncFolderOf(path_);
  return true;
}

Status writeFileAtomically(const std::string& path, const void* data, size_t size) {
  auto file = AtomicFile::create(path);
  if (!file.ok()) return file.error();
  Status written = file.value().write(data, size);
  if (!written.ok()) return written;
  return file.value().commit();
}

}  // namespace fd
