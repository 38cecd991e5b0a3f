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
#include "weights/model_card.h"

namespace fd {

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

// The card writeDemoModel puts into model_index.json (weights/model_card.h):
// the pipeline names the model from it, and says its weights are random.
ModelCard demoModelCard(const DemoModelOptions& options = {});

// True when `folder` holds the tiny demo model this FluxDesk writes: its
// model_index.json (written last) carries the current demo card. False for
// a missing or partly written folder, and for one an older FluxDesk wrote.
bool isCurrentDemoModel(const std::string& folder);

// Writes the tiny demo model into `folder` unless isCurrentDemoModel: the
// app's first run, an interrupted earlier write, or a folder from an older
// FluxDesk (whose demo the loader would no longer recognise).
Status ensureDemoModel(const std::string& folder);

}  // namespace fd
