#pragma once
// Turning checkpoint bytes into LibTorch tensors and filling modules with
// them. Engine-internal: only engine .cpp files include this (torch heavy).

#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "weights/weight_map.h"

namespace fd {

// Stored dtype -> torch dtype; nullopt for the ggml block types. (F8 maps
// to torch's float8 types; loadTensor still decodes them by its own exact
// table when converting.)
std::optional<torch::ScalarType> torchDtype(DType dtype);

// One stored tensor as a CPU tensor that owns its memory, converted to
// `dtype` when given (F8_E4M3 / F8_E5M2 are decoded exactly by table; a
// float8 tensor needs a target dtype, float32 when none is given).
Result<torch::Tensor> loadTensor(const CheckpointEntry& entry,
                                 std::optional<torch::ScalarType> dtype = std::nullopt);

// One canonical tensor (concatenation, half swap and reshape applied).
Result<torch::Tensor> loadCanonical(const WeightRecipe& recipe,
                                    std::optional<torch::ScalarType> dtype = std::nullopt);

// One canonical 2-D weight kept as stored (tensor/packed_weight.h): uint8
// (rows, rowBytes) for ggml block types, a float8 tensor (rows, cols) for
// F8_*. Parts are concatenated by rows and halves swapped by rows (a row of
// blocks is self-contained). On the CPU a single part is a view of the
// memory-mapped file, sharing its pages (the file stays mapped while the
// tensor lives); elsewhere it is copied to `device`.
Result<torch::Tensor> loadPacked(const WeightRecipe& recipe, torch::Device device);

// The canonical tensor as a view of the mapped file, without a copy, when
// it can be one: a single part, no half swap, stored as `dtype` already,
// aligned for it. nullopt otherwise (then loadCanonical copies). The view
// keeps the file mapped while it lives.
std::optional<torch::Tensor> viewCanonical(const WeightRecipe& recipe, torch::ScalarType dtype);

// Strict load of every parameter and buffer of `module` (names as
// module.named_parameters()/named_buffers() give them) from `weights`,
// converted once to `dtype` and placed on `device`. The weights of Dense
// layers stored quantized or in float8 stay packed (loadPacked). One error lists the
// missing keys, the unexpected keys and the shape mismatches.
// `nonPersistent`: buffers the module computes itself (not expected in files).
Status loadModuleWeights(torch::nn::Module& module, const WeightMap& weights,
                         torch::ScalarType dtype, torch::Device device,
                         const std::vector<std::string>& nonPersistent = {});

}  // namespace fd
