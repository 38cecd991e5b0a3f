#pragma once
// What every memory-mapped weights format shares once its header is parsed:
// the mapping, the tensor list with its name index, the metadata and where
// the data section starts. SafetensorsFile and GgufFile only parse and
// validate their own headers and hand the result over. Torch-free.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "weights/mapped_file.h"
#include "weights/tensor_file.h"

namespace fd {

class MappedTensorFile : public TensorFile {
 public:
  MappedTensorFile(const MappedTensorFile&) = delete;
  MappedTensorFile& operator=(const MappedTensorFile&) = delete;

  const std::string& path() const override { return path_; }
  // In order of data offsets.
  const std::vector<TensorInfo>& tensors() const override { return tensors_; }
  const TensorInfo* find(const std::string& name) const override;
  const std::map<std::string, std::string>& metadata() const override { return metadata_; }
  // Raw little-endian bytes of one tensor, valid while this object lives.
  const uint8_t* data(const TensorInfo& info) const override;
  uint64_t fileSize() const override { return file_->size(); }
  void releasePages() const override { file_->releasePages(); }

 protected:
  MappedTensorFile(std::string path, std::unique_ptr<MappedFile> file)
      : path_(std::move(path)), file_(std::move(file)) {}
  const uint8_t* bytes() const { return file_->data(); }
  // The parsed header: every TensorInfo already validated against the data
  // section that starts at `dataStart`.
  void adopt(uint64_t dataStart, std::vector<TensorInfo> tensors,
             std::map<std::string, std::string> metadata);

 private:
  std::string path_;
  std::unique_ptr<MappedFile> file_;
  uint64_t dataStart_ = 0;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string_view, size_t> index_;  // views of tensors_' names
  std::map<std::string, std::string> metadata_;
};

}  // namespace fd
