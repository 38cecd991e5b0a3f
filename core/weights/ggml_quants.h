#pragma once
// ggml's block formats on the CPU, torch-free: expanding stored rows to
// float32 / bfloat16 (every type GGUF FLUX and T5 files use), and quantizing
// float32 rows for the types make-demo-model writes. Block layouts follow
// ggml-common.h and the arithmetic follows ggml-quants.c's reference
// (dequantize_row_*, quantize_row_*_ref) so results equal ggml's own to the
// rounding of the last float32 operation (checked against ggml's output in
// ../shared/golden/gguf).

#include <cstdint>
#include <vector>

#include "common/result.h"
#include "weights/dtype.h"

namespace fd {

// `count` values (a whole number of blocks of `type`) from `src` (the
// stored bytes, storageBytes(type, count) of them) into `dst`. Handles the
// quantized types and F32, F16, BF16, F8_E4M3, F8_E5M2. Errors (Internal)
// for other types or a count that is not a whole number of blocks.
Status dequantizeRow(DType type, const uint8_t* src, float* dst, int64_t count);

// Same, rounded to bfloat16 (round to nearest even, as torch's float ->
// bfloat16 conversion), stored as raw uint16.
Status dequantizeRowBf16(DType type, const uint8_t* src, uint16_t* dst, int64_t count);

// Whether quantizeRow supports `type`.
bool canQuantize(DType type);

// `count` float32 values (a whole number of blocks) into `dst`
// (storageBytes(type, count) bytes), as ggml's reference quantizer does
// (quantize_row_*_ref: no importance matrix). Supported: Q8_0, Q4_0, Q4_1,
// Q5_0, Q5_1, Q4_K, Q6_K, and F32 / F16 / BF16 (conversions).
Status quantizeRow(DType type, const float* src, uint8_t* dst, int64_t count);

// `rows` rows of `cols` values (row-major at `src`) quantized on every core
// into `out` (resized to storageBytes(type, rows * cols)): quantizing is the
// slow part of writing a quantized file.
Status quantizeRows(DType type, const float* src, int64_t rows, int64_t cols,
                    std::vector<uint8_t>& out);

}  // namespace fd
