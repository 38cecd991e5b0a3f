#pragma once
// Storage types of tensors in weight files: the element types safetensors
// names, plus ggml's block-quantized types found in GGUF files. Torch-free so
// that the file layer, `inspect` and the discovery code compile without
// LibTorch. Every per-type fact lives in one table (dtype.cpp).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fd {

enum class DType {
  F64,
  F32,
  F16,
  BF16,
  I64,
  I32,
  I16,
  I8,
  U8,
  BOOL,
  F8_E4M3,
  F8_E5M2,
  // ggml block-quantized types (GGUF only): blocks of 32 or 256 values.
  Q4_0,
  Q4_1,
  Q5_0,
  Q5_1,
  Q8_0,
  Q2_K,
  Q3_K,
  Q4_K,
  Q5_K,
  Q6_K,
};

// "F32" -> DType::F32; unknown names and the quantized types (which
// safetensors cannot hold) give nullopt.
std::optional<DType> dtypeFromSafetensorsName(std::string_view name);
// Upper-case name: "F32", "BF16", "Q4_K" (ggml spells quantized types "q4_K").
const char* safetensorsName(DType dtype);
// Name for people: "f32", "bf16", "f8_e4m3", "q8_0", "q4_K" (ggml's spelling).
const char* dtypeDisplayName(DType dtype);
// "q4_K", "Q4_K", "q8_0", "bf16", "f8_e4m3" (case-insensitive) -> DType.
std::optional<DType> dtypeFromDisplayName(std::string_view name);
// Bytes per element of an unquantized type; 0 for a quantized type (use
// storageBytes, which counts whole blocks).
size_t dtypeSize(DType dtype);
bool isFloatingPoint(DType dtype);  // every quantized type is floating
bool isQuantized(DType dtype);      // a ggml block type
int64_t blockValues(DType dtype);   // values per block (1 for unquantized)
int64_t blockBytes(DType dtype);    // bytes per block (dtypeSize for unquantized)

// Bytes that `numel` values take, or nullopt when numel is negative, not a
// whole number of blocks, or the size overflows 64 bits.
std::optional<uint64_t> storageBytes(DType dtype, int64_t numel);

// ggml's type ids (enum ggml_type, stable in the GGUF format): 0 f32, 1 f16,
// 2 q4_0, 3 q4_1, 6 q5_0, 7 q5_1, 8 q8_0, 10 q2_K .. 14 q6_K, 24 i8, 25 i16,
// 26 i32, 27 i64, 28 f64, 30 bf16. Ids of types FluxDesk cannot read (other
// quantizations such as iq* or tq*) give nullopt; ggmlTypeName names them
// for error messages ("iq2_xxs", or "type 1234" when unknown).
std::optional<DType> dtypeFromGgmlType(uint32_t ggmlType);
std::optional<uint32_t> ggmlTypeOf(DType dtype);
std::string ggmlTypeName(uint32_t ggmlType);

}  // namespace fd
