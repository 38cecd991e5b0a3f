#include "weights/gguf_header.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <set>
#include <type_traits>
#include <utility>

namespace fd {

namespace {

// GGUF metadata value types (enum gguf_type), stable in the format.
constexpr uint32_t kTypeString = 8;
constexpr uint32_t kTypeArray = 9;
constexpr uint32_t kTypeUint32 = 4;

struct ValueType {
  const char* name;
  uint64_t size;  // bytes of one value; 0 for string and array (variable)
};
constexpr ValueType kValueTypes[] = {
    {"u8", 1},   {"i8", 1},     {"u16", 2},   {"i16", 2}, {"u32", 4}, {"i32", 4}, {"f32", 4},
    {"bool", 1}, {"string", 0}, {"array", 0}, {"u64", 8}, {"i64", 8}, {"f64", 8},
};
constexpr uint32_t kValueTypeCount = sizeof(kValueTypes) / sizeof(kValueTypes[0]);

// Smallest encodings, used to bound the counts a file claims by the bytes
// left: a string is at least its 8-byte length, an array its element type
// and count, a metadata entry a key length, a type and one byte of value, a
// tensor info a name length, n_dims, one dimension, a type and an offset.
constexpr uint64_t kMinStringBytes = 8;
constexpr uint64_t kMinArrayBytes = 4 + 8;
constexpr uint64_t kMinEntryBytes = 8 + 4 + 1;
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;

uint64_t minValueBytes(uint32_t type) {
  if (type == kTypeString) return kMinStringBytes;
  if (type == kTypeArray) return kMinArrayBytes;
  return kValueTypes[type].size;
}

// Hostile names can be long; messages show a prefix.
std::string shortName(const std::string& name) {
  constexpr size_t kMaxNameInMessage = 200;
  if (name.size() <= kMaxNameInMessage) return name;
  return name.substr(0, kMaxNameInMessage) + "...";
}

// A little-endian value of type T (integer or IEEE float) at `bytes`,
// whatever the host's byte order or the alignment of `bytes`.
template <typename T>
T readLittleEndian(const uint8_t* bytes) {
  uint64_t value = 0;
  for (size_t i = sizeof(T); i-- > 0;) value = (value << 8) | bytes[i];
  // Narrow to the unsigned type of T's width, then take its bits as a T.
  using U = std::conditional_t<
      sizeof(T) == 1, uint8_t,
      std::conditional_t<sizeof(T) == 2, uint16_t,
                         std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;
  const auto bits = static_cast<U>(value);
  T out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

template <typename T>
std::string numberText(T value) {
  char buffer[64];
  // Shortest text that reads back as the same value ("0.25", not "0.250000").
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

// Decimal text of one fixed-size value (types 0-7 and 10-12).
std::string scalarText(uint32_t type, const uint8_t* p) {
  switch (type) {
    case 0: return numberText(readLittleEndian<uint8_t>(p));
    case 1: return numberText(readLittleEndian<int8_t>(p));
    case 2: return numberText(readLittleEndian<uint16_t>(p));
    case 3: return numberText(readLittleEndian<int16_t>(p));
    case 4: return numberText(readLittleEndian<uint32_t>(p));
    case 5: return numberText(readLittleEndian<int32_t>(p));
    case 6: return numberText(readLittleEndian<float>(p));
    case 7: return p[0] != 0 ? "true" : "false";  // ggml reads any nonzero byte as true
    case 10: return numberText(readLittleEndian<uint64_t>(p));
    case 11: return numberText(readLittleEndian<int64_t>(p));
    case 12: return numberText(readLittleEndian<double>(p));
    default: return {};
  }
}

std::string printableMagic(const uint8_t* bytes, uint64_t size) {
  std::string text;
  for (uint64_t i = 0; i < 4 && i < size; ++i)
    text += std::isprint(bytes[i]) ? static_cast<char>(bytes[i]) : '?';
  return text;
}

class Parser {
 public:
  Parser(const std::string& path, const uint8_t* bytes, uint64_t size)
      : path_(path), bytes_(bytes), size_(size) {}

  Result<GgufHeader> parse() {
    if (!readPreamble() || !readMetadata() || !readTensorInfos() || !placeDataSection())
      return error_;
    return std::move(header_);
  }

 private:
  uint64_t remaining() const { return size_ - pos_; }

  bool fail(const std::string& problem) {
    error_ = makeError(ErrorKind::ModelInvalid, path_ + ": " + problem);
    return false;
  }
  bool truncated() {
    return fail("file ends at byte " + std::to_string(size_) + " inside " + context_ +
                " (file truncated?)");
  }

  template <typename T>
  bool read(T& out) {
    if (remaining() < sizeof(T)) return truncated();
    out = readLittleEndian<T>(bytes_ + pos_);
    pos_ += sizeof(T);
    return true;
  }
  bool skip(uint64_t count) {
    if (remaining() < count) return truncated();
    pos_ += count;
    return true;
  }
  // A GGUF string (uint64 length, bytes, no NUL) into `out` (or skipped when
  // null): the length is checked against the cap and the bytes left before
  // anything is copied.
  bool readString(std::string* out, uint64_t cap, const char* what) {
    uint64_t length = 0;
    if (!read(length)) return false;
    if (length > cap)
      return fail(std::string(what) + " in " + context_ + " is " + std::to_string(length) +
                  " bytes long, over the limit of " + std::to_string(cap));
    if (length > remaining()) return truncated();
    if (out) out->assign(reinterpret_cast<const char*>(bytes_ + pos_), length);
    pos_ += length;
    return true;
  }

  bool readPreamble() {
    context_ = "the GGUF header";
    if (size_ < 4 || std::memcmp(bytes_, "GGUF", 4) != 0)
      return fail("not a GGUF file (starts with '" + printableMagic(bytes_, size_) +
                  "' instead of the magic 'GGUF')");
    pos_ = 4;
    uint32_t version = 0;
    if (!read(version)) return false;
    if (version == 1)
      return fail(
          "GGUF version 1 is not supported (the 2023 draft format with 32-bit "
          "counts; convert the file with a current llama.cpp or gguf-py)");
    if (version != 2 && version != 3) {
      // A version such as 0x03000000 is a big-endian file read little-endian.
      const bool swapped = version != 0 && (version & 0xFFFF) == 0;
      return fail("GGUF version " + std::to_string(version) +
                  " is not supported (FluxDesk reads versions 2 and 3" +
                  (swapped ? "; this looks like a big-endian file" : "") + ")");
    }
    header_.version = version;
    if (!read(tensorCount_) || !read(entryCount_)) return false;
    // Counts are bounded by the bytes that could hold them, before anything
    // is allocated for them.
    if (tensorCount_ > remaining() / kMinTensorInfoBytes)
      return fail("header claims " + std::to_string(tensorCount_) + " tensors, more than the " +
                  std::to_string(size_) + "-byte file can hold (file truncated or corrupt?)");
    if (entryCount_ > remaining() / kMinEntryBytes ||
        entryCount_ * kMinEntryBytes > remaining() - tensorCount_ * kMinTensorInfoBytes)
      return fail("header claims " + std::to_string(entryCount_) +
                  " metadata entries, more than the " + std::to_string(size_) +
                  "-byte file can hold (file truncated or corrupt?)");
    return true;
  }

  bool readMetadata() {
    for (uint64_t i = 0; i < entryCount_; ++i) {
      context_ = "metadata entry " + std::to_string(i);
      std::string key;
      if (!readString(&key, kMaxGgufNameBytes, "key")) return false;
      context_ = "metadata key '" + shortName(key) + "'";
      if (header_.metadata.count(key)) return fail("duplicate " + context_);
      uint32_t type = 0;
      if (!read(type)) return false;
      const uint64_t valueAt = pos_;
      std::string text;
      if (!readValue(type, 0, &text)) return false;
      if (key == "general.alignment" && !readAlignment(type, valueAt)) return false;
      header_.metadata.emplace(std::move(key), std::move(text));
    }
    return true;
  }

  // One value of `type`; its text into `text` unless null (array elements
  // are skipped, so e.g. a tokenizer's vocabulary is never copied).
  bool readValue(uint32_t type, int depth, std::string* text) {
    if (type >= kValueTypeCount)
      return fail(context_ + " has unknown value type " + std::to_string(type));
    if (type == kTypeString)
      return readString(text, kMaxGgufStringBytes, depth == 0 ? "the value" : "a string");
    if (type != kTypeArray) {
      const uint64_t size = kValueTypes[type].size;
      if (remaining() < size) return truncated();
      if (text) *text = scalarText(type, bytes_ + pos_);
      pos_ += size;
      return true;
    }
    if (depth >= kMaxGgufArrayDepth)
      return fail(context_ + " has arrays nested deeper than " +
                  std::to_string(kMaxGgufArrayDepth) + " levels");
    uint32_t elementType = 0;
    uint64_t count = 0;
    if (!read(elementType) || !read(count)) return false;
    if (elementType >= kValueTypeCount)
      return fail(context_ + " is an array of unknown value type " + std::to_string(elementType));
    const uint64_t minBytes = minValueBytes(elementType);
    if (count > remaining() / minBytes)
      return fail(context_ + " claims an array of " + std::to_string(count) + " " +
                  kValueTypes[elementType].name + " values, more than the file can hold");
    if (text) *text = "[" + std::to_string(count) + " x " + kValueTypes[elementType].name + "]";
    if (kValueTypes[elementType].size != 0) return skip(count * minBytes);
    for (uint64_t i = 0; i < count; ++i) {
      if (!readValue(elementType, depth + 1, nullptr)) return false;
    }
    return true;
  }

  // general.alignment: a uint32 power of two, as ggml requires.
  bool readAlignment(uint32_t type, uint64_t valueAt) {
    if (type != kTypeUint32)
      return fail("general.alignment must be a u32, found a " +
                  std::string(type < kValueTypeCount ? kValueTypes[type].name : "?"));
    const uint32_t alignment = readLittleEndian<uint32_t>(bytes_ + valueAt);
    if (alignment == 0 || (alignment & (alignment - 1)) != 0)
      return fail("general.alignment " + std::to_string(alignment) + " is not a power of two");
    header_.alignment = alignment;
    return true;
  }

  bool readTensorInfos() {
    // The count is bounded by the file size, which counts tensor data too:
    // reserve only a modest amount and let real entries grow the vector.
    header_.tensors.reserve(std::min<uint64_t>(tensorCount_, 4096));
    std::set<std::string> names;
    for (uint64_t i = 0; i < tensorCount_; ++i) {
      context_ = "tensor info " + std::to_string(i);
      TensorInfo info;
      if (!readString(&info.name, kMaxGgufNameBytes, "the name")) return false;
      context_ = "tensor '" + shortName(info.name) + "'";
      if (!names.insert(info.name).second) return fail("duplicate " + context_);
      if (!readTensorInfo(info)) return false;
      header_.tensors.push_back(std::move(info));
    }
    return true;
  }

  bool readTensorInfo(TensorInfo& info) {
    uint32_t dims = 0;
    if (!read(dims)) return false;
    if (dims == 0 || dims > kGgufMaxDims)
      return fail(context_ + " has " + std::to_string(dims) + " dimensions (GGUF allows 1 to " +
                  std::to_string(kGgufMaxDims) + ")");
    std::vector<int64_t> ne(dims);
    int64_t numel = 1;
    for (uint32_t d = 0; d < dims; ++d) {
      uint64_t raw = 0;
      if (!read(raw)) return false;
      ne[d] = static_cast<int64_t>(raw);
      if (ne[d] < 0)
        return fail(context_ + " has a negative dimension (ne[" + std::to_string(d) +
                    "] = " + std::to_string(ne[d]) + ")");
      if (__builtin_mul_overflow(numel, ne[d], &numel))
        return fail(context_ + " has more elements than 64 bits can count");
    }
    info.shape.assign(ne.rbegin(), ne.rend());  // PyTorch order: outermost first

    uint32_t ggmlType = 0;
    if (!read(ggmlType)) return false;
    const auto dtype = dtypeFromGgmlType(ggmlType);
    if (!dtype) {
      const std::string name = ggmlTypeName(ggmlType);
      if (name == "type " + std::to_string(ggmlType))
        return fail(context_ + " has unknown ggml type id " + std::to_string(ggmlType));
      return fail(context_ + " has ggml type " + name + ", which FluxDesk cannot read");
    }
    info.dtype = *dtype;
    if (ne[0] % blockValues(info.dtype) != 0)
      return fail(context_ + " (" + dtypeDisplayName(info.dtype) + ") has rows of " +
                  std::to_string(ne[0]) + " values, not a multiple of its block size " +
                  std::to_string(blockValues(info.dtype)));
    const auto bytes = storageBytes(info.dtype, numel);
    if (!bytes) return fail(context_ + " is too large (its byte size overflows 64 bits)");

    uint64_t offset = 0;
    if (!read(offset)) return false;
    if (offset % header_.alignment != 0)
      return fail(context_ + " data offset " + std::to_string(offset) +
                  " is not a multiple of the alignment " + std::to_string(header_.alignment));
    if (__builtin_add_overflow(offset, *bytes, &info.end))
      return fail(context_ + " data offset " + std::to_string(offset) + " is out of range");
    info.begin = offset;
    return true;
  }

  // The data section starts at the end of the header rounded up to the
  // alignment; every tensor must lie inside it and not overlap another.
  bool placeDataSection() {
    const uint64_t headerEnd = pos_;
    const uint64_t padded =
        (headerEnd + header_.alignment - 1) / header_.alignment * header_.alignment;
    // A file without tensor bytes may end right after the header.
    header_.dataStart = std::min(padded, size_);
    const uint64_t dataSize = size_ - header_.dataStart;
    for (const auto& info : header_.tensors) {
      if (info.end > dataSize)
        return fail("tensor '" + shortName(info.name) + "' (bytes " + std::to_string(info.begin) +
                    ".." + std::to_string(info.end) + " of the data section) runs past the end " +
                    "of the file (the data section holds " + std::to_string(dataSize) +
                    " bytes; file truncated?)");
    }
    std::stable_sort(header_.tensors.begin(), header_.tensors.end(),
                     [](const TensorInfo& a, const TensorInfo& b) {
                       return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
                     });
    const TensorInfo* previous = nullptr;  // the non-empty range reaching furthest
    for (const auto& info : header_.tensors) {
      if (info.byteSize() == 0) continue;
      if (previous && info.begin < previous->end)
        return fail("tensors '" + shortName(previous->name) + "' and '" + shortName(info.name) +
                    "' overlap in the data section");
      if (!previous || info.end > previous->end) previous = &info;
    }
    return true;
  }

  const std::string& path_;
  const uint8_t* bytes_;
  uint64_t size_;
  uint64_t pos_ = 0;
  uint64_t tensorCount_ = 0;
  uint64_t entryCount_ = 0;
  std::string context_;  // what is being read, for error messages
  GgufHeader header_;
  Error error_;
};

}  // namespace

Result<GgufHeader> parseGgufHeader(const std::string& path, const uint8_t* bytes, uint64_t size) {
  if (!bytes) size = 0;
  return Parser(path, bytes, size).parse();
}

}  // namespace fd
