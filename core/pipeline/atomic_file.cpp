#include "pipeline/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace fd {

namespace {

Error ioError(const std::string& what, const std::string& path, int error) {
  return makeError(ErrorKind::Io, what + " '" + path + "': " + std::strerror(error));
}

// Unique within the process (counter) and across processes (pid).
std::string temporaryPathFor(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  return path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

void syncFolderOf(const std::string& path) {
  // Makes the rename itself durable; best effort (some file systems refuse).
  std::string folder = std::filesystem::path(path).parent_path().string();
  if (folder.empty()) folder = ".";
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

Status writeFileAtomically(const std::string& path, const void* data, size_t size) {
  const std::string temporary = temporaryPathFor(path);
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ioError("cannot create a file beside", path, errno);

  const auto* bytes = static_cast<const char*>(data);
  size_t written = 0;
  while (written < size) {
    ssize_t n = ::write(fd, bytes + written, size - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int error = n < 0 ? errno : ENOSPC;
      ::close(fd);
      ::unlink(temporary.c_str());
      return ioError("cannot write", path, error);
    }
    written += static_cast<size_t>(n);
  }
  // fsync before rename: otherwise a crash can leave an empty file under the
  // final name. close() can also report a deferred write error (NFS, quota).
  if (::fsync(fd) != 0 && errno != EINVAL) {
    int error = errno;
    ::close(fd);
    ::unlink(temporary.c_str());
    return ioError("cannot flush", path, error);
  }
  if (::close(fd) != 0) {
    int error = errno;
    ::unlink(temporary.c_str());
    return ioError("cannot write", path, error);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    int error = errno;
    ::unlink(temporary.c_str());
    return ioError("cannot rename the finished file to", path, error);
  }
  syncFolderOf(path);
  return Status::success();
}

}  // namespace fd
