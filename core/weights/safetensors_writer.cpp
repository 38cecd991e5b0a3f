#include "weights/safetensors_writer.h"

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "common/atomic_file.h"

namespace fd {

namespace {

Error badRequest(const std::string& path, const std::string& problem, const std::string& name) {
  return makeError(ErrorKind::BadRequest, path + ": " + problem + " (tensor '" + name + "')");
}

Status validateTensors(const std::string& path, const std::vector<TensorLayout>& tensors) {
  std::set<std::string> names;
  for (const auto& t : tensors) {
    if (t.name.empty() || t.name == "__metadata__")
      return badRequest(path, "invalid tensor name", t.name);
    if (!names.insert(t.name).second) return badRequest(path, "duplicate tensor name", t.name);
    uint64_t bytes = dtypeSize(t.dtype);
    for (int64_t dim : t.shape) {
      if (dim < 0) return badRequest(path, "negative dimension in shape", t.name);
      if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(dim), &bytes))
        return badRequest(path, "shape is too large", t.name);
    }
    if (bytes != t.byteCount)
      return badRequest(path,
                        "has " + std::to_string(t.byteCount) + " bytes but its shape and " +
                            safetensorsName(t.dtype) + " need " + std::to_string(bytes),
                        t.name);
  }
  return Status::success();
}

// The 8-byte length and the JSON header, padded with spaces so that the
// data section starts 8-byte aligned (as the reference writer does).
std::string buildHeader(const std::vector<TensorLayout>& tensors,
                        const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [key, value] : metadata) meta[key] = value;
    json["__metadata__"] = std::move(meta);
  }
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    nlohmann::ordered_json entry;
    entry["dtype"] = safetensorsName(t.dtype);
    entry["shape"] = t.shape;
    entry["data_offsets"] = {offset, offset + t.byteCount};
    offset += t.byteCount;
    json[t.name] = std::move(entry);
  }
  std::string text = json.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  uint64_t length = text.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((length >> (8 * i)) & 0xFF);
  return out + text;
}

// Header, then each tensor's bytes from `bytesOf(i)` (pointer, size), into a
// temporary file beside `path` that is fsynced and renamed into place.
using BytesOf = std::function<std::pair<const uint8_t*, size_t>(size_t index)>;
Status writeAtomically(const std::string& path, const std::string& header, size_t count,
                       const BytesOf& bytesOf) {
  auto file = AtomicFile::create(path);
  if (!file.ok()) return file.error();
  Status written =
      file.value().write(reinterpret_cast<const uint8_t*>(header.data()), header.size());
  for (size_t i = 0; written.ok() && i < count; ++i) {
    auto [data, size] = bytesOf(i);
    // The producer could not give this tensor's bytes: the temporary file
    // is dropped with `file`.
    if (!data) return fileWriteError("write", path, EINVAL);
    written = file.value().write(data, size);
  }
  if (!written.ok()) return written;
  return file.value().commit();
}

}  // namespace

Status writeSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                        const std::map<std::string, std::string>& metadata) {
  std::vector<TensorLayout> layout;
  layout.reserve(tensors.size());
  for (const auto& t : tensors) layout.push_back({t.name, t.dtype, t.shape, t.byteCount()});
  Status valid = validateTensors(path, layout);
  if (!valid.ok()) return valid;
  return writeAtomically(path, buildHeader(layout, metadata), tensors.size(), [&](size_t i) {
    const uint8_t* data = tensors[i].begin();
    return std::make_pair(data ? data : reinterpret_cast<const uint8_t*>(""),
                          tensors[i].byteCount());
  });
}

Status writeSafetensorsStreaming(const std::string& path, const std::vector<TensorLayout>& layout,
                                 const TensorFiller& fill,
                                 const std::map<std::string, std::string>& metadata) {
  Status valid = validateTensors(path, layout);
  if (!valid.ok()) return valid;
  std::vector<uint8_t> buffer;  // one tensor at a time; capacity reused
  return writeAtomically(path, buildHeader(layout, metadata), layout.size(), [&](size_t i) {
    fill(i, buffer);
    const uint8_t* data = buffer.size() == layout[i].byteCount ? buffer.data() : nullptr;
    if (!data && layout[i].byteCount == 0) data = reinterpret_cast<const uint8_t*>("");
    return std::make_pair(data, buffer.size());
  });
}

}  // namespace fd
