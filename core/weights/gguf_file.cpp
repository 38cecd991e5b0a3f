#include "weights/gguf_file.h"

#include "weights/gguf_header.h"

namespace fd {

Result<std::shared_ptr<GgufFile>> GgufFile::open(const std::string& path) {
  auto mapped = MappedFile::open(path);
  if (!mapped.ok()) return mapped.error();
  const uint64_t fileSize = mapped.value()->size();
  // The parser words every other short file.
  if (fileSize == 0) return makeError(ErrorKind::ModelInvalid, path + ": file is empty");
  std::shared_ptr<GgufFile> result(new GgufFile());
  result->path_ = path;
  result->file_ = std::move(mapped.value());
  result->map_ = result->file_->data();
  result->mapSize_ = fileSize;

  auto header = parseGgufHeader(path, result->map_, fileSize);
  if (!header.ok()) return header.error();
  result->version_ = header.value().version;
  result->alignment_ = header.value().alignment;
  result->dataStart_ = header.value().dataStart;
  result->tensors_ = std::move(header.value().tensors);
  result->metadata_ = std::move(header.value().metadata);
  for (size_t i = 0; i < result->tensors_.size(); ++i) result->index_[result->tensors_[i].name] = i;
  return result;
}

GgufFile::~GgufFile() = default;

void GgufFile::releasePages() const { file_->releasePages(); }

const TensorInfo* GgufFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const uint8_t* GgufFile::data(const TensorInfo& info) const {
  // Every TensorInfo of this file was checked against the data section at
  // open; the check here guards against an info taken from another file.
  if (dataStart_ > mapSize_ || info.begin > info.end || info.end > mapSize_ - dataStart_)
    return nullptr;
  return map_ + dataStart_ + info.begin;
}

std::string GgufFile::architecture() const {
  auto it = metadata_.find("general.architecture");
  return it == metadata_.end() ? std::string() : it->second;
}

}  // namespace fd
