#include "weights/gguf_writer.h"

#include <cstring>
#include <set>
#include <type_traits>
#include <variant>

#include "common/atomic_file.h"
#include "weights/gguf_header.h"

namespace fd {

namespace {

constexpr uint32_t kGgufVersion = 3;
// GGUF metadata value types (enum gguf_type) of the values GgufValue holds.
constexpr uint32_t kTypeUint32 = 4, kTypeInt32 = 5, kTypeFloat32 = 6, kTypeBool = 7,
                   kTypeString = 8, kTypeArray = 9, kTypeUint64 = 10;

Error badRequest(const std::string& path, const std::string& problem) {
  return makeError(ErrorKind::BadRequest, path + ": " + problem);
}

Error badTensor(const std::string& path, const std::string& problem, const std::string& name) {
  return badRequest(path, problem + " (tensor '" + name + "')");
}

// The header as bytes, little-endian as GGUF requires.
class HeaderBytes {
 public:
  template <typename T>
  void put(T value) {
    static_assert(std::is_integral_v<T>);
    for (size_t i = 0; i < sizeof(T); ++i)
      bytes_.push_back(static_cast<char>((static_cast<uint64_t>(value) >> (8 * i)) & 0xFF));
  }
  void putFloat(float value) {
    uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    put(bits);
  }
  void putString(const std::string& text) {
    put<uint64_t>(text.size());
    bytes_ += text;
  }
  void padTo(uint64_t alignment) {
    bytes_.append((alignment - bytes_.size() % alignment) % alignment, '\0');
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

void putValue(HeaderBytes& out, const GgufValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, uint32_t>) {
          out.put(kTypeUint32);
          out.put(v);
        } else if constexpr (std::is_same_v<T, int32_t>) {
          out.put(kTypeInt32);
          out.put(v);
        } else if constexpr (std::is_same_v<T, float>) {
          out.put(kTypeFloat32);
          out.putFloat(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          out.put(kTypeBool);
          out.put<uint8_t>(v ? 1 : 0);
        } else if constexpr (std::is_same_v<T, std::string>) {
          out.put(kTypeString);
          out.putString(v);
        } else if constexpr (std::is_same_v<T, uint64_t>) {
          out.put(kTypeUint64);
          out.put(v);
        } else {
          static_assert(std::is_same_v<T, std::vector<std::string>>);
          out.put(kTypeArray);
          out.put(kTypeString);
          out.put<uint64_t>(v.size());
          for (const auto& item : v) out.putString(item);
        }
      },
      value);
}

// Checks the metadata and returns the alignment it asks for.
Result<uint64_t> checkMetadata(const std::string& path,
                               const std::vector<GgufMetadataEntry>& metadata) {
  uint64_t alignment = kGgufDefaultAlignment;
  std::set<std::string> keys;
  for (const auto& entry : metadata) {
    if (entry.key.empty() || entry.key.size() > kMaxGgufNameBytes)
      return badRequest(path, "metadata key of " + std::to_string(entry.key.size()) + " bytes");
    if (!keys.insert(entry.key).second)
      return badRequest(path, "duplicate metadata key '" + entry.key + "'");
    if (entry.key != "general.alignment") continue;
    // ggml reads the alignment only as a u32 power of two.
    const auto* value = std::get_if<uint32_t>(&entry.value);
    if (!value || *value == 0 || (*value & (*value - 1)) != 0)
      return badRequest(path, "general.alignment must be a uint32 power of two");
    alignment = *value;
  }
  return alignment;
}

// GGUF's ne: the PyTorch shape reversed (row length first). A scalar is
// written as ggml writes one, as a single dimension of 1 (GGUF has no
// 0-dimensional tensors), and reads back with shape [1].
std::vector<int64_t> ggufNe(const std::vector<int64_t>& shape) {
  if (shape.empty()) return {1};
  return std::vector<int64_t>(shape.rbegin(), shape.rend());
}

// Checks one tensor's layout and returns its byte size.
Result<uint64_t> checkTensor(const std::string& path, const GgufTensorLayout& t) {
  if (t.name.empty() || t.name.size() > kMaxGgufNameBytes)
    return badTensor(path, "invalid tensor name", t.name);
  if (!ggmlTypeOf(t.dtype))
    return badTensor(
        path, std::string("type ") + dtypeDisplayName(t.dtype) + " has no ggml type id", t.name);
  const auto ne = ggufNe(t.shape);
  if (ne.size() > kGgufMaxDims)
    return badTensor(path,
                     "GGUF tensors have at most " + std::to_string(kGgufMaxDims) +
                         " dimensions, not " + std::to_string(ne.size()),
                     t.name);
  int64_t numel = 1;
  for (int64_t dim : ne) {
    if (dim < 0) return badTensor(path, "negative dimension in shape", t.name);
    if (__builtin_mul_overflow(numel, dim, &numel))
      return badTensor(path, "shape is too large", t.name);
  }
  // GGUF stores rows of ne[0] values (PyTorch's last dimension) in whole blocks.
  if (ne[0] % blockValues(t.dtype) != 0)
    return badTensor(path,
                     "last dimension " + std::to_string(ne[0]) + " is not a multiple of the " +
                         dtypeDisplayName(t.dtype) + " block size " +
                         std::to_string(blockValues(t.dtype)),
                     t.name);
  const auto bytes = storageBytes(t.dtype, numel);
  if (!bytes) return badTensor(path, "shape is too large", t.name);
  return *bytes;
}

uint64_t padding(uint64_t size, uint64_t alignment) {
  return (alignment - size % alignment) % alignment;
}

}  // namespace

Status writeGgufStreaming(const std::string& path, const std::vector<GgufMetadataEntry>& metadata,
                          const std::vector<GgufTensorLayout>& layout, const GgufFiller& fill) {
  auto alignment = checkMetadata(path, metadata);
  if (!alignment.ok()) return alignment.error();
  const uint64_t align = alignment.value();

  // Layout first, so that nothing is created for an inconsistent request.
  std::vector<uint64_t> sizes;
  sizes.reserve(layout.size());
  std::set<std::string> names;
  for (const auto& t : layout) {
    auto bytes = checkTensor(path, t);
    if (!bytes.ok()) return bytes.error();
    if (!names.insert(t.name).second) return badTensor(path, "duplicate tensor name", t.name);
    sizes.push_back(bytes.value());
  }

  HeaderBytes header;
  header.put<uint32_t>(0x46554747);  // "GGUF" read as a little-endian uint32
  header.put(kGgufVersion);
  header.put<uint64_t>(layout.size());
  header.put<uint64_t>(metadata.size());
  for (const auto& entry : metadata) {
    header.putString(entry.key);
    putValue(header, entry.value);
  }
  // Offsets as ggml assigns them: each tensor padded to the alignment.
  uint64_t offset = 0;
  for (size_t i = 0; i < layout.size(); ++i) {
    header.putString(layout[i].name);
    const auto ne = ggufNe(layout[i].shape);
    header.put<uint32_t>(static_cast<uint32_t>(ne.size()));
    for (int64_t dim : ne) header.put<uint64_t>(dim);
    header.put(*ggmlTypeOf(layout[i].dtype));
    header.put<uint64_t>(offset);
    if (__builtin_add_overflow(offset, sizes[i] + padding(sizes[i], align), &offset))
      return badTensor(path, "file would be too large", layout[i].name);
  }
  header.padTo(align);

  auto file = AtomicFile::create(path);
  if (!file.ok()) return file.error();
  Status written = file.value().write(reinterpret_cast<const uint8_t*>(header.bytes().data()),
                                      header.bytes().size());
  if (!written.ok()) return written;
  std::vector<uint8_t> buffer;  // one tensor at a time; capacity reused
  for (size_t i = 0; i < layout.size(); ++i) {
    buffer.clear();
    Status filled = fill(i, buffer);
    if (!filled.ok()) return filled;  // the temporary file goes with `file`
    if (buffer.size() != sizes[i])
      return badTensor(path,
                       "filled " + std::to_string(buffer.size()) + " bytes but its shape and " +
                           dtypeDisplayName(layout[i].dtype) + " need " + std::to_string(sizes[i]),
                       layout[i].name);
    written = file.value().write(buffer.data(), buffer.size());
    if (written.ok()) written = file.value().writeZeros(padding(sizes[i], align));
    if (!written.ok()) return written;
  }
  return file.value().commit();
}

}  // namespace fd
