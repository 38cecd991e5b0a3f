#pragma once
// Loading a text-encoder golden folder's weights through the real checkpoint
// path (Checkpoint -> weight map -> params -> loadModuleWeights), running it,
// and comparing its outputs with golden tensors.

#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "golden_text/text_golden_cases.h"

namespace fd::test {

using TensorMap = std::map<std::string, torch::Tensor>;

// Every tensor of a safetensors file, as stored (CPU). Throws with the path
// and the reason when the file cannot be read.
TensorMap readTensorFile(const std::filesystem::path& path);

// Builds the `kind` model from `weightsPath` (+ `configText`) in `dtype` on
// the CPU and runs it on `inputIds` with hidden states. Outputs carry the
// golden names: last_hidden_state, hidden_states.i, pooler_output (CLIP),
// debug.relative_position_bucket (T5). Throws with a clear message on any
// load error. `compute`: the activations' dtype when it differs from the
// weights' (bfloat16 weights computed in float32, as on CPUs without fast
// bfloat16 products).
TensorMap runTextEncoder(TextModelKind kind, const std::filesystem::path& weightsPath,
                         const std::string& configText, const torch::Tensor& inputIds,
                         torch::ScalarType dtype,
                         std::optional<torch::ScalarType> compute = std::nullopt);

struct TextTolerance {
  double maxAbs = 0;
  double meanAbs = -1;  // < 0: no mean bound
};

// Compares every golden output (all but input_ids / pooled_index) with
// `actual`, prints one line per tensor (max and mean |diff|) and, when
// `enforce`, records a gtest failure for each tensor outside `tolerance`,
// missing from `actual`, or differing in shape. Integer tensors must match
// exactly. `label` prefixes the printed lines.
void compareTextOutputs(const std::string& label, const TensorMap& actual, const TensorMap& golden,
                        TextTolerance tolerance, bool enforce);

}  // namespace fd::test
