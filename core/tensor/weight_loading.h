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

// Stored dtype -> torch dtype. F8 types have no torch 1.13 equivalent and
// map to nullopt: loadTensor converts them by table.
std::optional<torch::ScalarType> torchDtype(DType dtype);

// One stored tensor as a CPU tensor that owns its memory, converted to
// `dtype` when given (F8_E4M3 / F8_E5M2 are decoded exactly by table; a
// float8 tensor needs a target dtype, float32 when none is given).
Result<torch::Tensor> loadTensor(const CheckpointEntry& entry,
                                 std::optional<torch::ScalarType> dtype = std::nullopt);

// One canonical tensor (concatenation, half swap and reshape applied).
Result<torch::Tensor> loadCanonical(const WeightRecipe& recipe,
                                    std::optional<torch::ScalarType> dtype = std::nullopt);

// Strict load of every parameter and buffer of `module` (names as
// module.named_parameters()/named_buffers() give them) from `weights`,
// converted once to `dtype` and placed on `device`. One error lists the
// missing keys, the unexpected keys and the shape mismatches.
// `nonPersistent`: buffers the module computes itself (not expected in files).
Status loadModuleWeights(torch::nn::Module& module, const WeightMap& weights,
                         torch::ScalarType dtype, torch::Device device,
                         const std::vector<std::string>& nonPersistent = {});

}  // namespace fd
