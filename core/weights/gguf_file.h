#pragma once
// A GGUF (version 2 or 3) file opened by memory map: the format of ggml,
// llama.cpp, stable-diffusion.cpp and city96's FLUX / T5 GGUF files.
// Opening parses and validates the whole header (magic, version, counts,
// string lengths, metadata value types, tensor dimensions and their
// overflow, known ggml types, alignment, every tensor's byte range inside
// the file and not overlapping another) so that every later access is in
// bounds; a malformed or truncated file is a ModelInvalid error naming the
// file and the problem, never a crash or an allocation of a claimed size.
// Tensor shapes are given in PyTorch order (GGUF's ne reversed). Torch-free.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "weights/mapped_tensor_file.h"

namespace fd {

class GgufFile : public MappedTensorFile {
 public:
  static Result<std::shared_ptr<GgufFile>> open(const std::string& path);

  TensorFileFormat format() const override { return TensorFileFormat::Gguf; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  // metadata()["general.architecture"] or empty.
  std::string architecture() const;

 private:
  using MappedTensorFile::MappedTensorFile;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
};

}  // namespace fd
