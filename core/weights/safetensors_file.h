#pragma once
// A safetensors file opened by memory map. Opening parses and validates the
// whole header (length against file size, JSON, dtypes, shapes against byte
// ranges, ranges inside the data section and not overlapping) so that every
// later access is in bounds. Tensor bytes are not touched until asked for.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "weights/mapped_file.h"
#include "weights/tensor_file.h"

namespace fd {

class SafetensorsFile : public TensorFile {
 public:
  // Errors name the file and the problem (ModelMissing when absent,
  // ModelInvalid when malformed).
  static Result<std::shared_ptr<SafetensorsFile>> open(const std::string& path);
  ~SafetensorsFile() override;
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  TensorFileFormat format() const override { return TensorFileFormat::Safetensors; }
  const std::string& path() const override { return path_; }
  // In header order of data offsets.
  const std::vector<TensorInfo>& tensors() const override { return tensors_; }
  const TensorInfo* find(const std::string& name) const override;
  const std::map<std::string, std::string>& metadata() const override { return metadata_; }
  // Raw little-endian bytes of one tensor, valid while this object lives.
  const uint8_t* data(const TensorInfo& info) const override;
  uint64_t fileSize() const override { return mapSize_; }
  void releasePages() const override;

 private:
  SafetensorsFile() = default;
  std::string path_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string_view, size_t> index_;  // views of tensors_' names
  std::map<std::string, std::string> metadata_;
  std::unique_ptr<MappedFile> file_;
  const uint8_t* map_ = nullptr;  // file_'s bytes
  uint64_t mapSize_ = 0;
  uint64_t dataStart_ = 0;
};

}  // namespace fd
