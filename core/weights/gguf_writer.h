#pragma once
// Writing GGUF v3 files (for make-demo-model's quantized models and for
// tests): metadata key/values, then tensor infos, then each tensor's bytes at
// the alignment (general.alignment, 32 by default), streamed one tensor at a
// time so multi-gigabyte files never sit in memory. Atomic like the
// safetensors writer: the file appears complete or not at all. Torch-free:
// callers hand over stored bytes (quantize with weights/ggml_quants.h).

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"
#include "weights/dtype.h"

namespace fd {

// A metadata value: GGUF types uint32 (for e.g. general.alignment or
// file_type), int32, float32, bool, string, uint64, or an array of strings.
using GgufValue =
    std::variant<uint32_t, int32_t, float, bool, std::string, uint64_t, std::vector<std::string>>;

struct GgufMetadataEntry {
  std::string key;
  GgufValue value;
};

struct GgufTensorLayout {
  std::string name;
  DType dtype = DType::F32;    // a type with a ggml id (ggmlTypeOf)
  std::vector<int64_t> shape;  // PyTorch order; written as GGUF ne (reversed),
                               // a scalar [] as [1] (GGUF has no 0-d tensors)
};

// fill(i, bytes): put tensor i's stored bytes into `bytes` (exactly
// storageBytes(dtype, numel) of them; the writer checks).
using GgufFiller = std::function<Status(size_t index, std::vector<uint8_t>& bytes)>;

// Errors: BadRequest for inconsistent layouts (a type without a ggml id, a
// shape that is not whole blocks along its last dimension or has more than 4
// dimensions, duplicate names, a fill of the wrong size) or metadata
// (duplicate keys, a general.alignment that is not a uint32 power of two),
// the filler's own error, Io naming the path for file system failures (disk
// full, permissions, missing folder). Offsets and padding are ggml's: each
// tensor starts on the alignment right after the previous one, and the last
// one is padded too.
Status writeGgufStreaming(const std::string& path, const std::vector<GgufMetadataEntry>& metadata,
                          const std::vector<GgufTensorLayout>& layout, const GgufFiller& fill);

}  // namespace fd
