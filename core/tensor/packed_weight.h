#pragma once
// Weights kept in the format they were stored in: ggml blocks from GGUF files
// (uint8 (rows, rowBytes)) or float8 (torch's float8 dtypes, one byte per
// value). A layer holding one expands it to its compute dtype for the one
// product and drops the copy, so resident memory is about the file's size.
// On the CPU the expansion is the plain loops of weights/ggml_quants.h split
// over the threads; on a GPU it is tensor operations on device memory
// (tensor/ggml_dequant_torch.h). Engine-internal (torch).

#include <torch/torch.h>

#include <cstdint>

#include "weights/dtype.h"

namespace fd {

// Storage types a layer keeps packed rather than converting at load.
bool keepsPacked(DType stored);

// packed: uint8 (rows, rowBytes) for ggml types, a float8 tensor (rows, cols)
// for F8_*. Returns (rows, cols) in `dtype` on packed's device.
torch::Tensor expandPacked(const torch::Tensor& packed, DType stored, int64_t cols,
                           torch::ScalarType dtype);

}  // namespace fd
