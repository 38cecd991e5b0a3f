#pragma once
// Parsing and validation of a safetensors JSON header, separate from the
// memory map so that it can be checked (and fuzzed) on plain strings.
// Torch-free.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "weights/safetensors_file.h"

namespace fd {

// Larger headers are refused before parsing (real ones are a few MB at most).
constexpr uint64_t kMaxSafetensorsHeaderBytes = 100ull * 1024 * 1024;

struct SafetensorsHeader {
  std::vector<TensorInfo> tensors;  // sorted by data offset
  std::map<std::string, std::string> metadata;
};

// `json`: the header bytes (after the 8-byte length). `dataSize`: bytes
// available after the header. `path` only prefixes error messages:
// "<path>: <problem> (tensor '<name>')", all ErrorKind::ModelInvalid.
Result<SafetensorsHeader> parseSafetensorsHeader(const std::string& path, std::string_view json,
                                                 uint64_t dataSize);

}  // namespace fd
