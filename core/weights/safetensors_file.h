#pragma once
// A safetensors file opened by memory map. Opening parses and validates the
// whole header (length against file size, JSON, dtypes, shapes against byte
// ranges, ranges inside the data section and not overlapping) so that every
// later access is in bounds. Tensor bytes are not touched until asked for.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "weights/dtype.h"

namespace fd {

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offset relative to the data section
  uint64_t end = 0;

  int64_t numel() const;
  uint64_t byteSize() const { return end - begin; }
};

class SafetensorsFile {
 public:
  // Errors name the file and the problem (ModelMissing when absent,
  // ModelInvalid when malformed).
  static Result<std::shared_ptr<SafetensorsFile>> open(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  // In header order of data offsets.
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // Raw little-endian bytes of one tensor, valid while this object lives.
  const uint8_t* data(const TensorInfo& info) const;

 private:
  SafetensorsFile() = default;
  std::string path_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
  const uint8_t* map_ = nullptr;
  uint64_t mapSize_ = 0;
  uint64_t dataStart_ = 0;
};

}  // namespace fd
