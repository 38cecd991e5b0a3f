#include "weights/atomic_stream_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <utility>

namespace fd {

namespace {

Error ioError(const std::string& path, const std::string& what, int err) {
  return makeError(ErrorKind::Io, path + ": " + what + " (" + std::strerror(err) + ")");
}

// Creates `path`.tmp-XXXXXX exclusively (mode 0666 minus the umask, like
// any other file the user saves). Returns the descriptor or -1 with errno.
int createTempBeside(const std::string& path, std::string& tempPath) {
  std::random_device device;
  std::mt19937 random(device());
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0; attempt < 16; ++attempt) {
    tempPath = path + ".tmp-";
    for (int i = 0; i < 6; ++i) tempPath += kAlphabet[random() % (sizeof(kAlphabet) - 1)];
    int fd = ::open(tempPath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

}  // namespace

Result<AtomicStreamFile> AtomicStreamFile::create(const std::string& path) {
  AtomicStreamFile file;
  file.path_ = path;
  file.fd_ = createTempBeside(path, file.tempPath_);
  if (file.fd_ < 0) return ioError(path, "cannot create file", errno);
  return Result<AtomicStreamFile>(std::move(file));
}

AtomicStreamFile::AtomicStreamFile(AtomicStreamFile&& other) noexcept
    : path_(std::move(other.path_)),
      tempPath_(std::move(other.tempPath_)),
      fd_(std::exchange(other.fd_, -1)),
      written_(other.written_) {}

AtomicStreamFile& AtomicStreamFile::operator=(AtomicStreamFile&& other) noexcept {
  if (this != &other) {
    discard();
    path_ = std::move(other.path_);
    tempPath_ = std::move(other.tempPath_);
    fd_ = std::exchange(other.fd_, -1);
    written_ = other.written_;
  }
  return *this;
}

AtomicStreamFile::~AtomicStreamFile() { discard(); }

void AtomicStreamFile::discard() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(tempPath_.c_str());
  fd_ = -1;
}

Status AtomicStreamFile::write(const uint8_t* bytes, size_t count) {
  if (fd_ < 0) return ioError(path_, "cannot write file", EBADF);
  while (count > 0) {
    ssize_t n = ::write(fd_, bytes, count);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n == 0 ? ENOSPC : errno;
      discard();
      return ioError(path_, "cannot write file", err);
    }
    bytes += n;
    count -= static_cast<size_t>(n);
    written_ += static_cast<uint64_t>(n);
  }
  return Status::success();
}

Status AtomicStreamFile::writeZeros(size_t count) {
  static const uint8_t kZeros[256] = {};
  while (count > 0) {
    const size_t chunk = count < sizeof kZeros ? count : sizeof kZeros;
    Status written = write(kZeros, chunk);
    if (!written.ok()) return written;
    count -= chunk;
  }
  return Status::success();
}

Status AtomicStreamFile::commit() {
  if (fd_ < 0) return ioError(path_, "cannot write file", EBADF);
  // fsync before rename: after a crash the name points at complete data.
  // EINVAL/EROFS: file systems without fsync (e.g. some FUSE mounts).
  int err = 0;
  if (::fsync(fd_) != 0 && errno != EINVAL && errno != EROFS) err = errno;
  // close() can report a deferred write error (NFS, quota).
  if (::close(fd_) != 0 && err == 0) err = errno;
  fd_ = -1;
  if (err != 0) {
    ::unlink(tempPath_.c_str());
    return ioError(path_, "cannot write file", err);
  }
  if (::rename(tempPath_.c_str(), path_.c_str()) != 0) {
    err = errno;
    ::unlink(tempPath_.c_str());
    return ioError(path_, "cannot move the finished file into place", err);
  }
  return Status::success();
}

}  // namespace fd
