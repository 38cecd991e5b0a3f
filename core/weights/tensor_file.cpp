#include "weights/tensor_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "weights/gguf_file.h"
#include "weights/safetensors_file.h"

namespace fd {

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t dim : shape) n *= dim;  // validated against overflow when parsed
  return n;
}

const char* tensorFileFormatName(TensorFileFormat format) {
  return format == TensorFileFormat::Gguf ? "gguf" : "safetensors";
}

namespace {

// True when the file starts with GGUF's magic. Errors are left to the
// format's own open, which reports them with the right wording.
bool startsWithGgufMagic(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  char magic[4] = {};
  const ssize_t got = ::read(fd, magic, sizeof magic);
  ::close(fd);
  return got == 4 && std::memcmp(magic, "GGUF", 4) == 0;
}

}  // namespace

Result<std::shared_ptr<TensorFile>> openTensorFile(const std::string& path) {
  if (startsWithGgufMagic(path)) {
    auto file = GgufFile::open(path);
    if (!file.ok()) return file.error();
    return std::shared_ptr<TensorFile>(file.value());
  }
  auto file = SafetensorsFile::open(path);
  if (!file.ok()) return file.error();
  return std::shared_ptr<TensorFile>(file.value());
}

}  // namespace fd
