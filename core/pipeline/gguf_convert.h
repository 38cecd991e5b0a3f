#pragma once
// Converting a transformer or T5 checkpoint (any layout FluxDesk reads:
// diffusers, BFL, ComfyUI, fp8, GGUF) into a quantized GGUF file laid out
// as the files users share (city96: BFL names for FLUX, llama.cpp names for
// T5), quantized by FluxDesk: what `fluxdesk-cli quantize` runs. One tensor
// at a time, so memory stays at the largest tensor. Torch-free header.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "common/result.h"
#include "weights/component_kind.h"
#include "weights/dtype.h"

namespace fd {

struct GgufConvertOptions {
  DType type = DType::Q8_0;                // a quantized type weights/ggml_quants.h writes
  std::optional<ComponentKind> component;  // default: what the file holds (transformer or T5)
  // Called before each tensor: index, count, canonical name.
  std::function<void(size_t, size_t, const std::string&)> onTensor;
};

struct GgufConvertReport {
  ComponentKind component = ComponentKind::Transformer;
  size_t tensors = 0;
  uint64_t inputBytes = 0, outputBytes = 0;
};

// Errors: ModelMissing / ModelInvalid for the input (naming it), BadRequest
// for a type FluxDesk cannot write or a component it keeps in 16 bits (CLIP,
// the autoencoder), Io for the output.
Result<GgufConvertReport> convertToGguf(const std::string& input, const std::string& output,
                                        const GgufConvertOptions& options);

}  // namespace fd
