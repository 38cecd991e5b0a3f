#include "weights/safetensors_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "weights/safetensors_header.h"

namespace fd {

namespace {

// Closes the descriptor on every return path; the mapping outlives it.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

uint64_t readLittleEndian64(const uint8_t* bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

Error openError(const std::string& path, int err) {
  if (err == ENOENT || err == ENOTDIR)
    return makeError(ErrorKind::ModelMissing, path + ": file not found");
  return makeError(ErrorKind::Io, path + ": cannot open (" + std::strerror(err) + ")");
}

}  // namespace

Result<std::shared_ptr<SafetensorsFile>> SafetensorsFile::open(const std::string& path) {
  FileDescriptor file;
  // O_NONBLOCK: a FIFO under a weights name must not hang the open.
  file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (file.fd < 0) return openError(path, errno);
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) return openError(path, errno);
  if (!S_ISREG(st.st_mode))
    return makeError(ErrorKind::ModelInvalid, path + ": not a regular file");
  const auto fileSize = static_cast<uint64_t>(st.st_size);
  if (fileSize < 8)
    return makeError(ErrorKind::ModelInvalid,
                     path + ": file is too small for safetensors (" + std::to_string(fileSize) +
                         " bytes, the header length alone takes 8)");

  // Read-only private mapping: pages are read from disk only when touched,
  // so opening a 20 GB checkpoint reads just its header.
  // Read-only, not copy-on-write: a writable private mapping of a 24 GB
  // file would count against the commit limit. Weights used in place
  // (views of the mapping) are never written.
  void* mapped = ::mmap(nullptr, fileSize, PROT_READ, MAP_PRIVATE, file.fd, 0);
  if (mapped == MAP_FAILED) {
    int err = errno;
    return makeError(err == ENOMEM ? ErrorKind::OutOfMemory : ErrorKind::Io,
                     path + ": cannot map file (" + std::strerror(err) + ")");
  }
  std::shared_ptr<SafetensorsFile> result(new SafetensorsFile());
  result->path_ = path;
  result->map_ = static_cast<const uint8_t*>(mapped);
  result->mapSize_ = fileSize;

  const uint64_t headerSize = readLittleEndian64(result->map_);
  if (headerSize > kMaxSafetensorsHeaderBytes)
    return makeError(ErrorKind::ModelInvalid,
                     path + ": header length " + std::to_string(headerSize) +
                         " is over the 100 MB limit (not a safetensors file?)");
  if (headerSize > fileSize - 8)
    return makeError(ErrorKind::ModelInvalid,
                     path + ": header length " + std::to_string(headerSize) +
                         " exceeds the file size " + std::to_string(fileSize) +
                         " (file truncated?)");
  result->dataStart_ = 8 + headerSize;

  std::string_view headerText(reinterpret_cast<const char*>(result->map_ + 8), headerSize);
  auto header = parseSafetensorsHeader(path, headerText, fileSize - result->dataStart_);
  if (!header.ok()) return header.error();
  result->tensors_ = std::move(header.value().tensors);
  result->metadata_ = std::move(header.value().metadata);
  result->index_.reserve(result->tensors_.size());
  for (size_t i = 0; i < result->tensors_.size(); ++i)
    result->index_.emplace(result->tensors_[i].name, i);
  return result;
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(const_cast<uint8_t*>(map_), mapSize_);
}

void SafetensorsFile::releasePages() const {
  // Private read-only file mapping: dropped pages come back from the file
  // if touched again, so this never loses data.
  if (map_) ::madvise(const_cast<uint8_t*>(map_), mapSize_, MADV_DONTNEED);
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const uint8_t* SafetensorsFile::data(const TensorInfo& info) const {
  // Every TensorInfo of this file was checked against the data section at
  // open; the check here guards against an info taken from another file.
  if (info.begin > info.end || info.end > mapSize_ - dataStart_) return nullptr;
  return map_ + dataStart_ + info.begin;
}

}  // namespace fd
