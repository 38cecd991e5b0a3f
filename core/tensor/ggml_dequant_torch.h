#pragma once
// ggml block types expanded with LibTorch tensor operations, so the work runs
// wherever the packed bytes are: on a GPU the expansion of each layer's
// weight is a few elementwise kernels on device memory, never a trip through
// the host. The arithmetic and its float32 operation order follow ggml's
// dequantize_row_* (the CPU path, weights/ggml_quants.h, is the same maths
// in plain loops); tests check both against ggml's own output. Engine-internal.

#include <torch/torch.h>

#include <cstdint>

#include "weights/dtype.h"

namespace fd {

// blocks: uint8 (rows, rowBytes) on any device, rowBytes = storageBytes(type,
// cols). Returns (rows, cols) float32 on the same device. `type` must be one
// of the ten ggml block types.
torch::Tensor dequantizeBlocksTorch(const torch::Tensor& blocks, DType type, int64_t cols);

}  // namespace fd
