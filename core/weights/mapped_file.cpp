#include "weights/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fd {

namespace {

// Closes the descriptor on every return path; the mapping outlives it.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

Error openError(const std::string& path, int err) {
  if (err == ENOENT || err == ENOTDIR)
    return makeError(ErrorKind::ModelMissing, path + ": file not found");
  return makeError(ErrorKind::Io, path + ": cannot open (" + std::strerror(err) + ")");
}

}  // namespace

Result<std::unique_ptr<MappedFile>> MappedFile::open(const std::string& path) {
  FileDescriptor file;
  file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (file.fd < 0) return openError(path, errno);
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) return openError(path, errno);
  if (!S_ISREG(st.st_mode))
    return makeError(ErrorKind::ModelInvalid, path + ": not a regular file");
  std::unique_ptr<MappedFile> result(new MappedFile());
  result->size_ = static_cast<uint64_t>(st.st_size);
  if (result->size_ == 0) return result;  // mmap refuses an empty range
  void* mapped = ::mmap(nullptr, result->size_, PROT_READ, MAP_PRIVATE, file.fd, 0);
  if (mapped == MAP_FAILED) {
    const int err = errno;
    return makeError(err == ENOMEM ? ErrorKind::OutOfMemory : ErrorKind::Io,
                     path + ": cannot map file (" + std::strerror(err) + ")");
  }
  result->data_ = static_cast<const uint8_t*>(mapped);
  return result;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

void MappedFile::releasePages() const {
  if (data_) ::madvise(const_cast<uint8_t*>(data_), size_, MADV_DONTNEED);
}

}  // namespace fd
