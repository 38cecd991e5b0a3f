#include "weights/dtype.h"

namespace fd {

namespace {

struct DTypeInfo {
  DType dtype;
  const char* name;  // as the safetensors header spells it
  size_t size;       // bytes per element
  bool floating;
};

// One row per DType, in enum order.
constexpr DTypeInfo kDTypes[] = {
    {DType::F64, "F64", 8, true},          {DType::F32, "F32", 4, true},
    {DType::F16, "F16", 2, true},          {DType::BF16, "BF16", 2, true},
    {DType::I64, "I64", 8, false},         {DType::I32, "I32", 4, false},
    {DType::I16, "I16", 2, false},         {DType::I8, "I8", 1, false},
    {DType::U8, "U8", 1, false},           {DType::BOOL, "BOOL", 1, false},
    {DType::F8_E4M3, "F8_E4M3", 1, true},  {DType::F8_E5M2, "F8_E5M2", 1, true},
};

const DTypeInfo& infoOf(DType dtype) {
  for (const auto& row : kDTypes) {
    if (row.dtype == dtype) return row;
  }
  return kDTypes[1];  // unreachable for valid enum values
}

}  // namespace

std::optional<DType> dtypeFromSafetensorsName(std::string_view name) {
  for (const auto& row : kDTypes) {
    if (name == row.name) return row.dtype;
  }
  return std::nullopt;
}

const char* safetensorsName(DType dtype) { return infoOf(dtype).name; }

size_t dtypeSize(DType dtype) { return infoOf(dtype).size; }

bool isFloatingPoint(DType dtype) { return infoOf(dtype).floating; }

}  // namespace fd
