#include "weights/mapped_tensor_file.h"

namespace fd {

void MappedTensorFile::adopt(uint64_t dataStart, std::vector<TensorInfo> tensors,
                             std::map<std::string, std::string> metadata) {
  dataStart_ = dataStart;
  tensors_ = std::move(tensors);
  metadata_ = std::move(metadata);
  index_.clear();
  index_.reserve(tensors_.size());
  for (size_t i = 0; i < tensors_.size(); ++i) index_.emplace(tensors_[i].name, i);
}

const TensorInfo* MappedTensorFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const uint8_t* MappedTensorFile::data(const TensorInfo& info) const {
  // Every TensorInfo of this file was checked against the data section when
  // it was opened; this guards against an info taken from another file.
  const uint64_t size = file_->size();
  if (dataStart_ > size || info.begin > info.end || info.end > size - dataStart_) return nullptr;
  return file_->data() + dataStart_ + info.begin;
}

}  // namespace fd
