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
#include "weights/mapped_file.h"
#include "weights/tensor_file.h"

namespace fd {

class GgufFile : public TensorFile {
 public:
  static Result<std::shared_ptr<GgufFile>> open(const std::string& path);
  ~GgufFile() override;
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  TensorFileFormat format() const override { return TensorFileFormat::Gguf; }
  const std::string& path() const override { return path_; }
  const std::vector<TensorInfo>& tensors() const override { return tensors_; }
  const TensorInfo* find(const std::string& name) const override;
  const std::map<std::string, std::string>& metadata() const override { return metadata_; }
  const uint8_t* data(const TensorInfo& info) const override;
  uint64_t fileSize() const override { return mapSize_; }
  void releasePages() const override;

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  // metadata()["general.architecture"] or empty.
  std::string architecture() const;

 private:
  GgufFile() = default;
  std::string path_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
  std::unique_ptr<MappedFile> file_;
  const uint8_t* map_ = nullptr;  // file_'s bytes
  uint64_t mapSize_ = 0;
  uint64_t dataStart_ = 0;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
};

}  // namespace fd
