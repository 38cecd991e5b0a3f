#pragma once
// The CLIP ViT-L/14 text encoder (Hugging Face CLIPTextModel), the source of
// FLUX's pooled prompt vector. Parameters are registered under the HF
// state_dict names (text_model.embeddings..., text_model.encoder.layers.N...,
// text_model.final_layer_norm...) so fd::loadModuleWeights fills it directly.
// Computation follows the module's parameter dtype (float32 or bfloat16) and
// the HF operation order, so both goldens compare closely.

#include <torch/torch.h>

#include <optional>
#include <vector>

#include "tensor/layers.h"
#include "weights/architecture.h"

namespace fd {

struct ClipTextOutput {
  torch::Tensor last_hidden_state;  // (B, L, D), after final_layer_norm
  torch::Tensor pooler_output;      // (B, D), last_hidden_state at the EOS row
  // Only when asked: the embedding output, then each layer's output before
  // final_layer_norm (HF convention, num_hidden_layers + 1 entries).
  std::vector<torch::Tensor> hidden_states;
};

class ClipAttentionImpl : public torch::nn::Module {
 public:
  ClipAttentionImpl(int64_t hiddenSize, int64_t numHeads);
  // hidden (B, L, D); causal self-attention.
  torch::Tensor forward(const torch::Tensor& hidden);

 private:
  int64_t numHeads_;
  int64_t headDim_;
  Dense q_proj_{nullptr}, k_proj_{nullptr}, v_proj_{nullptr}, out_proj_{nullptr};
};
TORCH_MODULE(ClipAttention);

class ClipMlpImpl : public torch::nn::Module {
 public:
  ClipMlpImpl(int64_t hiddenSize, int64_t intermediateSize, std::string activation);
  torch::Tensor forward(const torch::Tensor& hidden);

 private:
  std::string activation_;
  Dense fc1_{nullptr}, fc2_{nullptr};
};
TORCH_MODULE(ClipMlp);

class ClipEncoderLayerImpl : public torch::nn::Module {
 public:
  explicit ClipEncoderLayerImpl(const ClipTextParams& params);
  torch::Tensor forward(const torch::Tensor& hidden);

 private:
  ClipAttention self_attn_{nullptr};
  torch::nn::LayerNorm layer_norm1_{nullptr}, layer_norm2_{nullptr};
  ClipMlp mlp_{nullptr};
};
TORCH_MODULE(ClipEncoderLayer);

class ClipTextModelImpl : public torch::nn::Module {
 public:
  // Throws std::invalid_argument naming the field when `params` cannot
  // describe a CLIP text model (non-positive sizes, heads not dividing the
  // width, unknown hidden_act).
  explicit ClipTextModelImpl(const ClipTextParams& params);

  // input_ids: (B, L) int64 with L <= max_position_embeddings, on any device
  // (moved to the weights' device). No padding mask: FLUX passes none, and
  // the causal mask already keeps pads after the EOS from earlier rows.
  ClipTextOutput forward(const torch::Tensor& input_ids, bool outputHiddenStates = false);

  const ClipTextParams& params() const { return params_; }

  // Activations' dtype (default: the weights'). Float32 with bfloat16
  // weights on CPUs without fast bfloat16 products (tensor/precision_ops.h).
  void setComputeDtype(torch::ScalarType dtype) { computeDtype_ = dtype; }
  torch::ScalarType computeDtype() const;

 private:
  // (B,) int64: the row pooled per sequence (legacy eos_token_id == 2:
  // argmax of the ids; otherwise the first position holding eos_token_id).
  torch::Tensor pooledRows(const torch::Tensor& ids) const;

  ClipTextParams params_;
  std::optional<torch::ScalarType> computeDtype_;
  EmbeddingTable token_embedding_{nullptr}, position_embedding_{nullptr};
  std::vector<ClipEncoderLayer> layers_;
  torch::nn::LayerNorm final_layer_norm_{nullptr};
};
TORCH_MODULE(ClipTextModel);

}  // namespace fd
