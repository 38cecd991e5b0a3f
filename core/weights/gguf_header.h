#pragma once
// Parsing and validation of a GGUF header (magic, version, metadata, tensor
// infos, alignment and data-section layout), separate from the memory map so
// that it can be checked and fuzzed on plain byte strings. Torch-free.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "weights/tensor_file.h"

namespace fd {

// Caps on lengths a file claims, checked before anything is copied. Keys are
// limited by the GGUF specification (65535 bytes); tensor names are far
// shorter in practice (ggml allows 63), string values hold e.g. chat
// templates of a few kilobytes.
constexpr uint64_t kMaxGgufNameBytes = 65535;
constexpr uint64_t kMaxGgufStringBytes = 64ull * 1024 * 1024;
// Arrays of arrays are legal GGUF but unused in practice; deeper nesting is
// refused so that a hostile file cannot recurse without bound.
constexpr int kMaxGgufArrayDepth = 8;
constexpr uint32_t kGgufDefaultAlignment = 32;
// ggml's GGML_MAX_DIMS.
constexpr uint32_t kGgufMaxDims = 4;

struct GgufHeader {
  uint32_t version = 0;
  uint64_t alignment = kGgufDefaultAlignment;
  uint64_t dataStart = 0;           // file offset of the data section
  std::vector<TensorInfo> tensors;  // sorted by data offset; ranges relative to dataStart
  std::map<std::string, std::string> metadata;  // as TensorFile::metadata() describes
};

// `bytes`/`size`: the whole file. `path` only prefixes error messages
// ("<path>: <problem>", naming the key or tensor), all ErrorKind::ModelInvalid.
// Every tensor of a successful result lies inside the file.
Result<GgufHeader> parseGgufHeader(const std::string& path, const uint8_t* bytes, uint64_t size);

}  // namespace fd
