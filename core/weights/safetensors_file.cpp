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
    return makeError(ErrorKind::ModelInvalid, path + ": file is too small for safetensors (" +
                                                  std::to_string(fileSize) +
                                                  " bytes, the header length alone takes 8)");
  std::shared_ptr<SafetensorsFile> result(new SafetensorsFile(path, std::move(mapped.value())));
  const uint8_t* bytes = result->bytes();

  const uint64_t headerSize = readLittleEndian64(bytes);
  if (headerSize > kMaxSafetensorsHeaderBytes)
    return makeError(ErrorKind::ModelInvalid,
                     path + ": header length " + std::to_string(headerSize) +
                         " is over the 100 MB limit (not a safetensors file?)");
  if (headerSize > fileSize - 8)
    return makeError(ErrorKind::ModelInvalid, path + ": header length " +
                                                  std::to_string(headerSize) +
                                                  " exceeds the file size " +
                                                  std::to_string(fileSize) + " (file truncated?)");
  const uint64_t dataStart = 8 + headerSize;
  std::string_view headerText(reinterpret_cast<const char*>(bytes + 8), headerSize);
  auto header = parseSafetensorsHeader(path, headerText, fileSize - dataStart);
  if (!header.ok()) return header.error();
  result->adopt(dataStart, std::move(header.value().tensors), std::move(header.value().metadata));
  return result;
}

}  // namespace fd
