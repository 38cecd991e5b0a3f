#include "weights/safetensors_header.h"

#include <algorithm>
#include <limits>

#include "weights/json_strict.h"

namespace fd {

namespace {

using Json = nlohmann::json;

// Hostile names can be megabytes long; messages show a prefix.
constexpr size_t kMaxNameInMessage = 200;

std::string shortName(const std::string& name) {
  if (name.size() <= kMaxNameInMessage) return name;
  return name.substr(0, kMaxNameInMessage) + "...";
}

Error invalid(const std::string& path, const std::string& problem) {
  return makeError(ErrorKind::ModelInvalid, path + ": " + problem);
}

Error invalidTensor(const std::string& path, const std::string& problem, const std::string& name) {
  return invalid(path, problem + " (tensor '" + shortName(name) + "')");
}

// A JSON value that must be a non-negative integer fitting in int64.
bool readNonNegative(const Json& value, uint64_t& out, std::string& problem) {
  if (value.is_number_unsigned()) {
    out = value.get<uint64_t>();
    if (out > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      problem = "is too large (" + std::to_string(out) + ")";
      return false;
    }
    return true;
  }
  if (value.is_number_integer()) {
    problem = "is negative (" + std::to_string(value.get<int64_t>()) + ")";
  } else if (value.is_number_float()) {
    problem = "is not an integer (" + value.dump() + ")";
  } else {
    problem = std::string("is not a number (a JSON ") + value.type_name() + ")";
  }
  return false;
}

Result<std::map<std::string, std::string>> parseMetadata(const std::string& path,
                                                         const Json& value) {
  if (!value.is_object())
    return invalid(
        path, std::string("__metadata__ must be an object, found a JSON ") + value.type_name());
  std::map<std::string, std::string> metadata;
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string())
      return invalid(path, "__metadata__ value of '" + shortName(key) +
                               "' must be a string, found a JSON " + item.type_name());
    metadata[key] = item.get<std::string>();
  }
  return metadata;
}

Result<TensorInfo> parseTensorEntry(const std::string& path, const std::string& name,
                                    const Json& entry, uint64_t dataSize) {
  if (!entry.is_object())
    return invalidTensor(
        path, std::string("entry must be a JSON object, found a JSON ") + entry.type_name(), name);
  TensorInfo info;
  info.name = name;

  auto dtypeIt = entry.find("dtype");
  if (dtypeIt == entry.end() || !dtypeIt->is_string())
    return invalidTensor(path, "missing or non-string 'dtype'", name);
  auto dtype = dtypeFromSafetensorsName(dtypeIt->get<std::string>());
  if (!dtype)
    return invalidTensor(path, "unknown dtype '" + shortName(dtypeIt->get<std::string>()) + "'",
                         name);
  info.dtype = *dtype;

  auto shapeIt = entry.find("shape");
  if (shapeIt == entry.end() || !shapeIt->is_array())
    return invalidTensor(path, "missing or non-array 'shape'", name);
  int64_t numel = 1;
  for (const auto& dimValue : *shapeIt) {
    uint64_t dim = 0;
    std::string problem;
    if (!readNonNegative(dimValue, dim, problem))
      return invalidTensor(path, "shape dimension " + problem, name);
    if (__builtin_mul_overflow(numel, static_cast<int64_t>(dim), &numel))
      return invalidTensor(path, "shape element count overflows int64", name);
    info.shape.push_back(static_cast<int64_t>(dim));
  }

  auto offsetsIt = entry.find("data_offsets");
  if (offsetsIt == entry.end() || !offsetsIt->is_array() || offsetsIt->size() != 2)
    return invalidTensor(path, "'data_offsets' must be an array [begin, end]", name);
  std::string problem;
  if (!readNonNegative((*offsetsIt)[0], info.begin, problem))
    return invalidTensor(path, "data_offsets begin " + problem, name);
  if (!readNonNegative((*offsetsIt)[1], info.end, problem))
    return invalidTensor(path, "data_offsets end " + problem, name);
  if (info.begin > info.end)
    return invalidTensor(path,
                         "data_offsets begin " + std::to_string(info.begin) + " is after end " +
                             std::to_string(info.end),
                         name);

  uint64_t expectedBytes = 0;
  if (__builtin_mul_overflow(static_cast<uint64_t>(numel), dtypeSize(info.dtype), &expectedBytes))
    return invalidTensor(path, "byte size of the shape overflows", name);
  if (info.end - info.begin != expectedBytes)
    return invalidTensor(path,
                         "data_offsets cover " + std::to_string(info.end - info.begin) +
                             " bytes but shape and dtype need " + std::to_string(expectedBytes),
                         name);
  if (info.end > dataSize)
    return invalidTensor(path,
                         "data_offsets end " + std::to_string(info.end) +
                             " is past the end of the data section (" + std::to_string(dataSize) +
                             " bytes; file truncated?)",
                         name);
  return info;
}

// Byte ranges must not share bytes (zero-size tensors own no bytes).
Status checkNoOverlap(const std::string& path, const std::vector<TensorInfo>& sorted) {
  const TensorInfo* previous = nullptr;
  for (const auto& info : sorted) {
    if (info.begin == info.end) continue;
    if (previous && previous->end > info.begin)
      return invalidTensor(path,
                           "data_offsets [" + std::to_string(info.begin) + ", " +
                               std::to_string(info.end) + ") overlap tensor '" +
                               shortName(previous->name) + "'",
                           info.name);
    previous = &info;
  }
  return Status::success();
}

}  // namespace

Result<SafetensorsHeader> parseSafetensorsHeader(const std::string& path, std::string_view text,
                                                 uint64_t dataSize) {
  if (text.size() > kMaxSafetensorsHeaderBytes)
    return invalid(path,
                   "header length " + std::to_string(text.size()) + " is over the 100 MB limit");
  // Streamed: each entry is validated as soon as it is parsed and only its
  // TensorInfo is kept, so a header of a million tensors never sits in
  // memory as a JSON document.
  SafetensorsHeader header;
  auto onEntry = [&](const std::string& name, const Json& entry) -> Status {
    if (name == "__metadata__") {
      auto metadata = parseMetadata(path, entry);
      if (!metadata.ok()) return metadata.error();
      header.metadata = std::move(metadata.value());
      return Status::success();
    }
    auto info = parseTensorEntry(path, name, entry, dataSize);
    if (!info.ok()) return info.error();
    header.tensors.push_back(std::move(info.value()));
    return Status::success();
  };
  Status parsed = forEachJsonMember(path, text, "header", onEntry);
  if (!parsed) return parsed.error();
  std::sort(header.tensors.begin(), header.tensors.end(),
            [](const TensorInfo& a, const TensorInfo& b) {
              if (a.begin != b.begin) return a.begin < b.begin;
              return a.end != b.end ? a.end < b.end : a.name < b.name;
            });
  Status overlap = checkNoOverlap(path, header.tensors);
  if (!overlap.ok()) return overlap.error();
  return header;
}

}  // namespace fd
