#pragma once
// Tiny deterministic random weights for the demo model, under the names the
// Hugging Face FLUX.1-schnell snapshot uses (diffusers names for the
// transformer and the VAE, transformers names for CLIP and T5). Values are
// drawn from a counter-based generator with plain arithmetic only, so the
// bytes are the same on every machine. Torch-free.

#include <cstdint>
#include <vector>

#include "weights/architecture.h"
#include "weights/safetensors_writer.h"

namespace fd {

struct DemoArchitecture {
  FluxParams flux;
  AutoEncoderParams autoencoder;
  ClipTextParams clip;
  T5Params t5;
};

// The demo's sizes; vocabularies come from the tokenizers made for it.
DemoArchitecture demoArchitecture(int64_t clipVocabSize, int64_t t5VocabSize);

// Stored dtypes follow the real snapshot's mix (bf16 transformer and T5,
// f16 CLIP, f32 VAE) so every conversion path of the loader is used.
std::vector<TensorToWrite> demoTransformerTensors(const FluxParams& params);
std::vector<TensorToWrite> demoAutoencoderTensors(const AutoEncoderParams& params);
std::vector<TensorToWrite> demoClipTensors(const ClipTextParams& params);
std::vector<TensorToWrite> demoT5Tensors(const T5Params& params);

}  // namespace fd
