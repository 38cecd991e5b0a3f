#include "weights/gguf_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "weights/gguf_header.h"

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

Result<std::shared_ptr<GgufFile>> GgufFile::open(const std::string& path) {
  FileDescriptor file;
  // O_NONBLOCK: a FIFO under a weights name must not hang the open.
  file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (file.fd < 0) return openError(path, errno);
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) return openError(path, errno);
  if (!S_ISREG(st.st_mode))
    return makeError(ErrorKind::ModelInvalid, path + ": not a regular file");
  const auto fileSize = static_cast<uint64_t>(st.st_size);
  // mmap refuses an empty range; the parser words every other short file.
  if (fileSize == 0) return makeError(ErrorKind::ModelInvalid, path + ": file is empty");

  // Read-only private mapping: pages are read from disk only when touched,
  // so opening a 12 GB GGUF file reads just its header.
  void* mapped = ::mmap(nullptr, fileSize, PROT_READ, MAP_PRIVATE, file.fd, 0);
  if (mapped == MAP_FAILED) {
    const int err = errno;
    return makeError(err == ENOMEM ? ErrorKind::OutOfMemory : ErrorKind::Io,
                     path + ": cannot map file (" + std::strerror(err) + ")");
  }
  std::shared_ptr<GgufFile> result(new GgufFile());
  result->path_ = path;
  result->map_ = static_cast<const uint8_t*>(mapped);
  result->mapSize_ = fileSize;

  auto header = parseGgufHeader(path, result->map_, fileSize);
  if (!header.ok()) return header.error();
  result->version_ = header.value().version;
  result->alignment_ = header.value().alignment;
  result->dataStart_ = header.value().dataStart;
  result->tensors_ = std::move(header.value().tensors);
  result->metadata_ = std::move(header.value().metadata);
  for (size_t i = 0; i < result->tensors_.size(); ++i) result->index_[result->tensors_[i].name] = i;
  return result;
}

GgufFile::~GgufFile() {
  if (map_) ::munmap(const_cast<uint8_t*>(map_), mapSize_);
}

void GgufFile::releasePages() const {
  // Private read-only file mapping: dropped pages come back from the file
  // if touched again, so this never loses data.
  if (map_) ::madvise(const_cast<uint8_t*>(map_), mapSize_, MADV_DONTNEED);
}

const TensorInfo* GgufFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const uint8_t* GgufFile::data(const TensorInfo& info) const {
  // Every TensorInfo of this file was checked against the data section at
  // open; the check here guards against an info taken from another file.
  if (dataStart_ > mapSize_ || info.begin > info.end || info.end > mapSize_ - dataStart_)
    return nullptr;
  return map_ + dataStart_ + info.begin;
}

std::string GgufFile::architecture() const {
  auto it = metadata_.find("general.architecture");
  return it == metadata_.end() ? std::string() : it->second;
}

}  // namespace fd
