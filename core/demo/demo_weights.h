#pragma once
// Random weights for the demo models, under the names the Hugging Face
// FLUX.1-schnell snapshot uses (diffusers names for the transformer and the
// VAE, transformers names for CLIP and T5). Only specs are built here; the
// values are drawn while each file is written (random_safetensors.h).
// Torch-free.

#include <cstdint>
#include <vector>

#include "demo/random_safetensors.h"
#include "weights/architecture.h"

namespace fd {

struct DemoArchitecture {
  FluxParams flux;
  AutoEncoderParams autoencoder;
  ClipTextParams clip;
  T5Params t5;
};

// How the weights are drawn and stored.
enum class DemoWeightStyle {
  // The tiny demo: stored dtypes follow the real snapshot's mix (bf16
  // transformer and T5, f16 CLIP, f32 VAE) so every conversion path of the
  // loader is used; attention outputs and the velocity are weighted up so it
  // draws larger shapes.
  Tiny,
  // Real-width models for benchmarks: everything bf16 (half the disk),
  // weights with variance 1/fan_in (about std 0.018 at width 3072, so
  // activations keep their scale through the blocks), norm scales exactly 1,
  // biases 0.
  RealWidths,
};

// The tiny demo's sizes; vocabularies come from the tokenizers made for it.
DemoArchitecture demoArchitecture(int64_t clipVocabSize, int64_t t5VocabSize);

// FLUX.1-schnell's real widths (transformer, autoencoder, CLIP-L text, T5
// d_model/heads/ff) with a chosen depth and the demo tokenizers' vocabularies.
struct RealWidthDepths {
  int64_t doubleBlocks = 2;
  int64_t singleBlocks = 4;
  int64_t t5Layers = 2;
};
DemoArchitecture realWidthArchitecture(int64_t clipVocabSize, int64_t t5VocabSize,
                                       const RealWidthDepths& depths);

std::vector<RandomTensorSpec> demoTransformerTensors(const FluxParams& params,
                                                     DemoWeightStyle style);
// The same transformer under BFL's official names (fused qkv, `.scale` QK
// norms), as single files and GGUF files carry it.
std::vector<RandomTensorSpec> demoTransformerTensorsOfficial(const FluxParams& params,
                                                             DemoWeightStyle style);
std::vector<RandomTensorSpec> demoAutoencoderTensors(const AutoEncoderParams& params,
                                                     DemoWeightStyle style);
std::vector<RandomTensorSpec> demoClipTensors(const ClipTextParams& params, DemoWeightStyle style);
std::vector<RandomTensorSpec> demoT5Tensors(const T5Params& params, DemoWeightStyle style);

}  // namespace fd
