#include "weights/safetensors_file.h"

#include <cstring>

#include "weights/safetensors_header.h"

namespace fd {

namespace {

uint64_t readLittleEndian64(const uint8_t* bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

}  // namespace

Result<std::shared_ptr<SafetensorsFile>> SafetensorsFile::open(const std::string& path) {
  auto mapped = MappedFile::open(path);
  if (!mapped.ok()) return mapped.error();
  const uint64_t fileSize = mapped.value()->size();
  if (fileSize < 8)
    return makeError(ErrorKind::ModelInvalid,
                     path + ": file is too small for safetensors (" + std::to_string(fileSize) +
                         " bytes, the header length alone takes 8)");
  std::shared_ptr<SafetensorsFile> result(new SafetensorsFile());
  result->path_ = path;
  result->file_ = std::move(mapped.value());
  result->map_ = result->file_->data();
  result->mapSize_ = fileSize;

  const uint64_t headerSize = readLittleEndian64(result->map_);
  if (headerSize > kMaxSafetensorsHeaderBytes)
    return makeError(ErrorKind::ModelInvalid,
                     path + ": header length " + std::to_string(headerSize) +
                         " is over the 100 MB limit (not a safetensors file?)");
  if (headerSize > fileSize - 8)
    return makeError(ErrorKind::ModelInvalid,
                     path + ": header length " + std::to_string(headerSize) +
                         " exceeds the file size " + std::to_string(fileSize) +
                         " (file truncated?)");
  result->dataStart_ = 8 + headerSize;

  std::string_view headerText(reinterpret_cast<const char*>(result->map_ + 8), headerSize);
  auto header = parseSafetensorsHeader(path, headerText, fileSize - result->dataStart_);
  if (!header.ok()) return header.error();
  result->tensors_ = std::move(header.value().tensors);
  result->metadata_ = std::move(header.value().metadata);
  result->index_.reserve(result->tensors_.size());
  for (size_t i = 0; i < result->tensors_.size(); ++i)
    result->index_.emplace(result->tensors_[i].name, i);
  return result;
}

SafetensorsFile::~SafetensorsFile() = default;

void SafetensorsFile::releasePages() const { file_->releasePages(); }

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const uint8_t* SafetensorsFile::data(const TensorInfo& info) const {
  // Every TensorInfo of this file was checked against the data section at
  // open; the check here guards against an info taken from another file.
  if (info.begin > info.end || info.end > mapSize_ - dataStart_) return nullptr;
  return map_ + dataStart_ + info.begin;
}

}  // namespace fd
