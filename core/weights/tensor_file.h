#pragma once
// One weights file, whatever its format (safetensors, GGUF): a list of named
// tensors, each with a shape, a storage type and a byte range, validated when
// the file was opened so that every later access is in bounds. Checkpoint,
// the weight-name mapping and the loaders see only this interface. Torch-free.

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
  DType dtype = DType::F32;    // storage type; quantized types only in GGUF
  std::vector<int64_t> shape;  // PyTorch order (outermost first, row-major)
  uint64_t begin = 0;          // byte offset relative to the data section
  uint64_t end = 0;

  int64_t numel() const;
  uint64_t byteSize() const { return end - begin; }
};

enum class TensorFileFormat { Safetensors, Gguf };
const char* tensorFileFormatName(TensorFileFormat format);  // "safetensors", "gguf"

class TensorFile {
 public:
  virtual ~TensorFile() = default;
  virtual TensorFileFormat format() const = 0;
  virtual const std::string& path() const = 0;
  // In order of data offsets.
  virtual const std::vector<TensorInfo>& tensors() const = 0;
  virtual const TensorInfo* find(const std::string& name) const = 0;
  // Header metadata as text (GGUF numbers printed in decimal, booleans as
  // "true"/"false"; arrays as "[N x type]").
  virtual const std::map<std::string, std::string>& metadata() const = 0;
  // Raw little-endian bytes of one tensor, valid while this object lives;
  // nullptr for an info that is not inside this file's data section.
  virtual const uint8_t* data(const TensorInfo& info) const = 0;
  // Size of the whole file in bytes.
  virtual uint64_t fileSize() const = 0;
  // Tells the kernel the pages of these bytes are no longer needed, so a
  // memory mode that has finished with a component returns its mapped
  // pages at once (they are read again from disk if touched).
  virtual void releasePages() const = 0;
};

// Opens a .safetensors / .sft or .gguf file, told apart by the first bytes
// ("GGUF" magic), not the name. Errors name the file and the problem
// (ModelMissing when absent, ModelInvalid when malformed).
Result<std::shared_ptr<TensorFile>> openTensorFile(const std::string& path);

}  // namespace fd
