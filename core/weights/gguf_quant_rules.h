#pragma once
// Which ggml type each tensor gets when FluxDesk writes a GGUF file (the
// quantized demo models, `fluxdesk-cli quantize`), following the files users
// have: city96's FLUX GGUF files keep the embedders and the final layer at
// F16, his T5 encoder files keep the relative attention bias at F32, 1-D
// tensors stay F32, and rows that are not whole blocks of the wanted type
// fall back to F16. Torch-free.

#include <cstdint>
#include <string>
#include <vector>

#include "weights/component_kind.h"
#include "weights/dtype.h"

namespace fd {

struct GgufQuantRule {
  DType wanted = DType::Q8_0;
  std::vector<std::string> keepF16;  // name prefixes stored as F16
  std::vector<std::string> keepF32;  // name prefixes stored as F32
};

// The rule for a component's tensors under the names GGUF files use (BFL
// names for the transformer, llama.cpp names for T5).
GgufQuantRule ggufQuantRuleFor(ComponentKind component, DType wanted);

DType ggufStorageFor(const std::string& name, const std::vector<int64_t>& shape,
                     const GgufQuantRule& rule);

}  // namespace fd
