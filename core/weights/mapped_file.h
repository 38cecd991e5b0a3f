#pragma once
// A whole regular file mapped read-only and private: pages are read from
// disk only when touched (opening a 20 GB checkpoint reads just what its
// parser reads), and tensors can be used in place as views of the mapping.
// Not copy-on-write: a writable private mapping of a 24 GB file would count
// against the commit limit, and weights are never written. The one place
// FluxDesk maps weight files (safetensors and GGUF). Torch-free.

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"

namespace fd {

class MappedFile {
 public:
  // ModelMissing when absent, ModelInvalid when not a regular file (a FIFO
  // under a weights name never hangs the open), Io / OutOfMemory when it
  // cannot be opened or mapped. An empty file maps to size 0, data nullptr:
  // each format words its own "too short" error.
  static Result<std::unique_ptr<MappedFile>> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  // Hands the touched pages back to the system; they are read again from
  // the file when touched (never loses data: the mapping is read-only).
  void releasePages() const;

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace fd
