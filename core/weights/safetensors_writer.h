#pragma once
// Writing safetensors files: for tests, the demo model and any tool that
// saves weights. Torch-free: callers hand over raw little-endian bytes.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "weights/dtype.h"

namespace fd {

struct TensorToWrite {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  // The bytes: `bytes` when `data` is null, else `size` bytes at `data`
  // (borrowed until writeSafetensors returns, avoids a copy of big tensors).
  std::vector<uint8_t> bytes;
  const void* data = nullptr;
  size_t size = 0;

  const uint8_t* begin() const { return data ? static_cast<const uint8_t*>(data) : bytes.data(); }
  size_t byteCount() const { return data ? size : bytes.size(); }
};

// Writes `tensors` in the given order (header in the same order, padded with
// spaces so the data starts at a multiple of 8). Atomic: the file appears
// under `path` complete or not at all. Errors: BadRequest for inconsistent
// tensors (byte count against shape, duplicate names), Io naming the path
// for file system failures (disk full, permissions, missing folder).
Status writeSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                        const std::map<std::string, std::string>& metadata = {});

// The streaming form, for files too big to hold in memory (the real-width
// demo models): only the layout is given up front, and tensor i's bytes are
// asked for (`fill(i, buffer)`, exactly byteCount bytes) while the file is
// written, one tensor at a time. Same header, atomicity and errors.
struct TensorLayout {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  size_t byteCount = 0;
};
using TensorFiller = std::function<void(size_t index, std::vector<uint8_t>& bytes)>;
Status writeSafetensorsStreaming(const std::string& path, const std::vector<TensorLayout>& layout,
                                 const TensorFiller& fill,
                                 const std::map<std::string, std::string>& metadata = {});

}  // namespace fd
