#pragma once
// Tiny synthetic state dicts of each model, as names, shapes and dtypes:
// exactly as the reference code names them (BFL Flux / AutoEncoder, HF
// CLIPTextModel / T5EncoderModel), and diffusers-named versions (the golden
// README's table, applied in the BFL -> diffusers direction).

#include <string>
#include <vector>

#include "weights/architecture.h"
#include "weights/dtype.h"

namespace fd::test {

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  DType dtype = DType::F32;
};
using StateSpec = std::vector<TensorSpec>;

// Reference (BFL / Hugging Face) names and shapes for the given parameters.
StateSpec fluxSpec(const FluxParams& p);
StateSpec autoencoderSpec(const AutoEncoderParams& p);
StateSpec clipSpec(const ClipTextParams& p);  // includes position_ids (I64)
StateSpec t5Spec(const T5Params& p);          // shared.weight and encoder.embed_tokens.weight

// The same tensors under diffusers names (fused tensors split).
StateSpec fluxToDiffusers(const StateSpec& bfl, const FluxParams& p);
StateSpec autoencoderToDiffusers(const StateSpec& bfl, const AutoEncoderParams& p);

StateSpec withPrefix(StateSpec spec, const std::string& prefix);
StateSpec withDtype(StateSpec spec, DType dtype);
StateSpec concat(std::vector<StateSpec> parts);

// Hugging Face T5 names as llama.cpp's converter writes them in GGUF files
// (city96's t5-v1_1-xxl-encoder-gguf): token_embd, enc.blk.N.attn_q /
// attn_k / attn_v / attn_o / attn_rel_b / attn_norm / ffn_gate (wi_0) /
// ffn_up (wi_1, or the ungated wi) / ffn_down / ffn_norm, enc.output_norm.
// The tied encoder.embed_tokens copy is dropped, as those files do.
StateSpec t5ToLlamaCpp(const StateSpec& hf);
// Storage types as a GGUF quantizer leaves them: `quantized` for matrices
// whose rows are whole blocks of it, f16 for the other matrices, f32 for
// vectors.
StateSpec withGgufTypes(StateSpec spec, DType quantized);

// Small but realistic parameters: head dim 128 so FLUX.1's default rope
// axes fit when no config.json is beside the weights.
FluxParams tinyFluxParams(bool guidance = false);
AutoEncoderParams tinyAutoencoderParams();
ClipTextParams tinyClipParams();
T5Params tinyT5Params();

}  // namespace fd::test
