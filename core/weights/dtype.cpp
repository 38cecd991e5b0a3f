#include "weights/dtype.h"

namespace fd {

namespace {

constexpr int64_t kNoGgml = -1;

struct DTypeInfo {
  DType dtype;
  const char* name;     // as the safetensors header spells it (upper case)
  const char* display;  // ggml's spelling
  int64_t blockValues;  // 1 for unquantized types
  int64_t blockBytes;   // bytes per element for unquantized types
  bool floating;
  bool quantized;
  int64_t ggmlType;  // enum ggml_type, or kNoGgml
};

// One row per DType, in enum order. Block sizes are ggml's block structs
// (ggml-common.h): e.g. q8_0 = f16 scale + 32 int8, q4_K = 2 f16 + 12 bytes
// of 6-bit scales + 128 bytes of nibbles.
constexpr DTypeInfo kDTypes[] = {
    {DType::F64, "F64", "f64", 1, 8, true, false, 28},
    {DType::F32, "F32", "f32", 1, 4, true, false, 0},
    {DType::F16, "F16", "f16", 1, 2, true, false, 1},
    {DType::BF16, "BF16", "bf16", 1, 2, true, false, 30},
    {DType::I64, "I64", "i64", 1, 8, false, false, 27},
    {DType::I32, "I32", "i32", 1, 4, false, false, 26},
    {DType::I16, "I16", "i16", 1, 2, false, false, 25},
    {DType::I8, "I8", "i8", 1, 1, false, false, 24},
    {DType::U8, "U8", "u8", 1, 1, false, false, kNoGgml},
    {DType::BOOL, "BOOL", "bool", 1, 1, false, false, kNoGgml},
    {DType::F8_E4M3, "F8_E4M3", "f8_e4m3", 1, 1, true, false, kNoGgml},
    {DType::F8_E5M2, "F8_E5M2", "f8_e5m2", 1, 1, true, false, kNoGgml},
    {DType::Q4_0, "Q4_0", "q4_0", 32, 18, true, true, 2},
    {DType::Q4_1, "Q4_1", "q4_1", 32, 20, true, true, 3},
    {DType::Q5_0, "Q5_0", "q5_0", 32, 22, true, true, 6},
    {DType::Q5_1, "Q5_1", "q5_1", 32, 24, true, true, 7},
    {DType::Q8_0, "Q8_0", "q8_0", 32, 34, true, true, 8},
    {DType::Q2_K, "Q2_K", "q2_K", 256, 84, true, true, 10},
    {DType::Q3_K, "Q3_K", "q3_K", 256, 110, true, true, 11},
    {DType::Q4_K, "Q4_K", "q4_K", 256, 144, true, true, 12},
    {DType::Q5_K, "Q5_K", "q5_K", 256, 176, true, true, 13},
    {DType::Q6_K, "Q6_K", "q6_K", 256, 210, true, true, 14},
};

const DTypeInfo& infoOf(DType dtype) {
  const auto index = static_cast<size_t>(dtype);
  if (index < std::size(kDTypes) && kDTypes[index].dtype == dtype) return kDTypes[index];
  for (const auto& row : kDTypes) {
    if (row.dtype == dtype) return row;
  }
  return kDTypes[1];  // unreachable for valid enum values
}

// ggml types FluxDesk does not read, named for error messages.
struct GgmlOtherType {
  uint32_t id;
  const char* name;
};
constexpr GgmlOtherType kOtherGgmlTypes[] = {
    {4, "q4_2 (removed from ggml)"},
    {5, "q4_3 (removed from ggml)"},
    {9, "q8_1"},
    {15, "q8_K"},
    {16, "iq2_xxs"},
    {17, "iq2_xs"},
    {18, "iq3_xxs"},
    {19, "iq1_s"},
    {20, "iq4_nl"},
    {21, "iq3_s"},
    {22, "iq2_s"},
    {23, "iq4_xs"},
    {29, "iq1_m"},
    {34, "tq1_0"},
    {35, "tq2_0"},
    {39, "mxfp4"},
};

}  // namespace

std::optional<DType> dtypeFromSafetensorsName(std::string_view name) {
  for (const auto& row : kDTypes) {
    if (!row.quantized && name == row.name) return row.dtype;
  }
  return std::nullopt;
}

std::optional<DType> dtypeFromDisplayName(std::string_view name) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  for (const auto& row : kDTypes) {
    const std::string_view display(row.display);
    if (display.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) same = lower(display[i]) == lower(name[i]);
    if (same) return row.dtype;
  }
  return std::nullopt;
}

const char* safetensorsName(DType dtype) { return infoOf(dtype).name; }
const char* dtypeDisplayName(DType dtype) { return infoOf(dtype).display; }
size_t dtypeSize(DType dtype) {
  const auto& info = infoOf(dtype);
  return info.quantized ? 0 : static_cast<size_t>(info.blockBytes);
}
bool isFloatingPoint(DType dtype) { return infoOf(dtype).floating; }
bool isQuantized(DType dtype) { return infoOf(dtype).quantized; }
int64_t blockValues(DType dtype) { return infoOf(dtype).blockValues; }
int64_t blockBytes(DType dtype) { return infoOf(dtype).blockBytes; }

std::optional<uint64_t> storageBytes(DType dtype, int64_t numel) {
  const auto& info = infoOf(dtype);
  if (numel < 0 || numel % info.blockValues != 0) return std::nullopt;
  const auto blocks = static_cast<uint64_t>(numel / info.blockValues);
  const auto perBlock = static_cast<uint64_t>(info.blockBytes);
  if (blocks != 0 && perBlock > UINT64_MAX / blocks) return std::nullopt;
  return blocks * perBlock;
}

std::optional<DType> dtypeFromGgmlType(uint32_t ggmlType) {
  for (const auto& row : kDTypes) {
    if (row.ggmlType == static_cast<int64_t>(ggmlType)) return row.dtype;
  }
  return std::nullopt;
}

std::optional<uint32_t> ggmlTypeOf(DType dtype) {
  const auto& info = infoOf(dtype);
  if (info.ggmlType == kNoGgml) return std::nullopt;
  return static_cast<uint32_t>(info.ggmlType);
}

std::string ggmlTypeName(uint32_t ggmlType) {
  if (auto dtype = dtypeFromGgmlType(ggmlType)) return dtypeDisplayName(*dtype);
  for (const auto& other : kOtherGgmlTypes) {
    if (other.id == ggmlType) return other.name;
  }
  return "type " + std::to_string(ggmlType);
}

}  // namespace fd
