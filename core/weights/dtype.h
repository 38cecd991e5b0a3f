#pragma once
// Element types as safetensors names them. Torch-free so that the file
// layer, `inspect` and the discovery code compile without LibTorch.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fd {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL, F8_E4M3, F8_E5M2 };

// "F32" -> DType::F32; unknown names give nullopt.
std::optional<DType> dtypeFromSafetensorsName(std::string_view name);
const char* safetensorsName(DType dtype);
size_t dtypeSize(DType dtype);
bool isFloatingPoint(DType dtype);

}  // namespace fd
