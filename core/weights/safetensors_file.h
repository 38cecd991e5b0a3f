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
#include "weights/mapped_tensor_file.h"

namespace fd {

class SafetensorsFile : public MappedTensorFile {
 public:
  // Errors name the file and the problem (ModelMissing when absent,
  // ModelInvalid when malformed).
  static Result<std::shared_ptr<SafetensorsFile>> open(const std::string& path);

  TensorFileFormat format() const override { return TensorFileFormat::Safetensors; }

 private:
  using MappedTensorFile::MappedTensorFile;
};

}  // namespace fd
