#pragma once
// Hand-built GGUF byte strings for the reader tests: every field written
// explicitly so that a test can put any (hostile) value in any place.

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace fd::test {

class GgufBytes {
 public:
  GgufBytes& raw(const std::string& bytes) {
    bytes_ += bytes;
    return *this;
  }
  GgufBytes& u8(uint8_t value) { return little(value, 1); }
  GgufBytes& u32(uint32_t value) { return little(value, 4); }
  GgufBytes& u64(uint64_t value) { return little(value, 8); }
  GgufBytes& f32(float value) {
    uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    return u32(bits);
  }
  GgufBytes& str(const std::string& text) { return u64(text.size()).raw(text); }
  // Magic, version and the two counts.
  GgufBytes& preamble(uint64_t tensors, uint64_t entries, uint32_t version = 3) {
    return raw("GGUF").u32(version).u64(tensors).u64(entries);
  }
  // The key and value type of a metadata entry; the value follows.
  GgufBytes& entry(const std::string& key, uint32_t type) { return str(key).u32(type); }
  // A metadata entry holding a u32 (type 4) or a string (type 8).
  GgufBytes& kvU32(const std::string& key, uint32_t value) { return str(key).u32(4).u32(value); }
  GgufBytes& kvStr(const std::string& key, const std::string& value) {
    return str(key).u32(8).str(value);
  }
  // A tensor info; `ne` in GGUF order (row length first).
  GgufBytes& tensor(const std::string& name, const std::vector<uint64_t>& ne, uint32_t ggmlType,
                    uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(ne.size()));
    for (uint64_t n : ne) u64(n);
    return u32(ggmlType).u64(offset);
  }
  // Zero bytes up to a multiple of `alignment`.
  GgufBytes& pad(size_t alignment = 32) {
    bytes_.append((alignment - bytes_.size() % alignment) % alignment, '\0');
    return *this;
  }
  GgufBytes& fill(size_t count, char value = '\x11') {
    bytes_.append(count, value);
    return *this;
  }
  size_t size() const { return bytes_.size(); }
  const std::string& bytes() const { return bytes_; }

 private:
  GgufBytes& little(uint64_t value, int count) {
    for (int i = 0; i < count; ++i) bytes_.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
    return *this;
  }
  std::string bytes_;
};

}  // namespace fd::test
