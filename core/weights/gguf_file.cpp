#include "weights/gguf_file.h"

#include "weights/gguf_header.h"

namespace fd {

Result<std::shared_ptr<GgufFile>> GgufFile::open(const std::string& path) {
  auto mapped = MappedFile::open(path);
  if (!mapped.ok()) return mapped.error();
  const uint64_t fileSize = mapped.value()->size();
  // The parser words every other short file.
  if (fileSize == 0) return makeError(ErrorKind::ModelInvalid, path + ": file is empty");
  std::shared_ptr<GgufFile> result(new GgufFile(path, std::move(mapped.value())));
  auto header = parseGgufHeader(path, result->bytes(), fileSize);
  if (!header.ok()) return header.error();
  result->version_ = header.value().version;
  result->alignment_ = header.value().alignment;
  result->adopt(header.value().dataStart, std::move(header.value().tensors),
                std::move(header.value().metadata));
  return result;
}

std::string GgufFile::architecture() const {
  auto it = metadata().find("general.architecture");
  return it == metadata().end() ? std::string() : it->second;
}

}  // namespace fd
