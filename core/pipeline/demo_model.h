#pragma once
// The built-in demo model: a complete folder in the Hugging Face
// FLUX.1-schnell layout with tiny deterministic random weights and tokenizer
// files the project makes itself. It loads through exactly the same
// discovery, mapping and loading code as real weights and draws colourful
// abstract patterns (not FLUX.1 images). Torch-free.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/result.h"
#include "weights/dtype.h"

namespace fd {

// model_index.json carries this key (true) so the pipeline can say clearly
// that it runs the demo.
inline constexpr const char* kDemoModelMarker = "_fluxdesk_demo";

enum class DemoScale {
  Tiny,        // the default demo: tiny widths (a few MB), draws abstract patterns
  RealWidths,  // FLUX.1-schnell's real widths at a chosen depth, bf16: for benchmarks
};

struct DemoModelOptions {
  DemoScale scale = DemoScale::Tiny;
  // Depths for DemoScale::RealWidths (the tiny demo's are fixed): 1-19
  // double blocks, 1-38 single blocks, 1-24 T5 layers (FLUX.1: 19, 38, 24).
  int doubleBlocks = 2;
  int singleBlocks = 4;
  int t5Layers = 2;
  // Quantized weights (GGUF, quantized by FluxDesk while written): the
  // transformer under BFL's names as city96's FLUX GGUF files
  // (transformer/flux1-schnell-<type>.gguf), T5 under llama.cpp's names as
  // city96's T5 encoder files (text_encoder_2/t5-v1_1-xxl-encoder-<type>.gguf).
  // Any type weights/ggml_quants.h can quantize to.
  std::optional<DType> transformerQuant;
  std::optional<DType> t5Quant;
  // Called before each weights file is written (name relative to the
  // folder, bytes): real-width files take a while.
  std::function<void(const std::string& file, uint64_t bytes)> onWeightsFile;
};

// Writes (or overwrites) a demo model into `folder`, creating it when
// needed. The same bytes every time for the same options; the weights are
// drawn tensor by tensor while written, so memory stays at one tensor.
// BadRequest for depths out of range, Io errors name the file (and say when
// the disk lacks the space the real-width weights need).
Status writeDemoModel(const std::string& folder, const DemoModelOptions& options = {});

// True when `modelIndexJson` (the text of model_index.json) has the marker.
bool isDemoModelIndex(const std::string& modelIndexJson);

}  // namespace fd
