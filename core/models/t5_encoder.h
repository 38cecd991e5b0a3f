#pragma once
// The T5 v1.1 encoder (Hugging Face T5EncoderModel), FLUX's per-token prompt
// context. Parameters carry the HF state_dict names (shared.weight,
// encoder.block.N.layer.{0,1}...., encoder.final_layer_norm.weight); a
// checkpoint's encoder.embed_tokens.weight is an alias of shared.weight and
// is resolved by the weight map, not here.
//
// Runs in float32 or bfloat16 (the parameters' dtype) with HF's dtype flow:
// RMSNorm statistics in float32, attention softmax in float32, everything
// else in the parameter dtype. Never float16: T5 activations overflow there,
// so forward() refuses float16 weights; pick the dtype with t5SafeDtype().

#include <torch/torch.h>

#include <optional>
#include <vector>

#include "tensor/layers.h"
#include "weights/architecture.h"

namespace fd {

// The dtype to run T5 in when `requested` is asked for: float16 becomes
// bfloat16 (same memory, float32's exponent range); others are kept.
torch::ScalarType t5SafeDtype(torch::ScalarType requested);

struct T5EncoderOutput {
  torch::Tensor last_hidden_state;  // (B, L, d_model), after final_layer_norm
  // Only when asked (HF convention, num_layers + 1 entries): [0] the
  // embedding output, [k] (1 <= k < N) the output of block k-1, [N] the
  // final output after final_layer_norm (== last_hidden_state).
  std::vector<torch::Tensor> hidden_states;
};

// RMS layer norm without mean subtraction or bias (T5LayerNorm).
class T5LayerNormImpl : public torch::nn::Module {
 public:
  T5LayerNormImpl(int64_t size, double eps);
  torch::Tensor forward(const torch::Tensor& hidden);
  torch::Tensor weight;

 private:
  double eps_;
};
TORCH_MODULE(T5LayerNorm);

class T5AttentionImpl : public torch::nn::Module {
 public:
  T5AttentionImpl(const T5Params& params, bool hasRelativeBias);
  // hidden (B, L, d_model); positionBias (1, H, L, L) in hidden's dtype.
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& positionBias);
  // (1, H, Lq, Lk) from the bucket table; only the block holding
  // relative_attention_bias can compute it.
  torch::Tensor computeBias(const torch::Tensor& buckets);

 private:
  int64_t numHeads_;
  int64_t headDim_;
  Dense q_{nullptr}, k_{nullptr}, v_{nullptr}, o_{nullptr};
  EmbeddingTable relative_attention_bias_{nullptr};
};
TORCH_MODULE(T5Attention);

// encoder.block.N.layer.1.DenseReluDense: gated (wi_0, wi_1) or plain (wi).
class T5DenseImpl : public torch::nn::Module {
 public:
  explicit T5DenseImpl(const T5Params& params);
  torch::Tensor forward(const torch::Tensor& hidden);

 private:
  bool gated_;
  std::string activation_;
  Dense wi_{nullptr}, wi_0_{nullptr}, wi_1_{nullptr}, wo_{nullptr};
};
TORCH_MODULE(T5Dense);

class T5BlockImpl : public torch::nn::Module {
 public:
  T5BlockImpl(const T5Params& params, bool hasRelativeBias);
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& positionBias);
  T5Attention attention() const { return self_attention_; }

 private:
  T5Attention self_attention_{nullptr};
  T5LayerNorm attention_norm_{nullptr};
  T5Dense dense_{nullptr};
  T5LayerNorm dense_norm_{nullptr};
};
TORCH_MODULE(T5Block);

class T5EncoderImpl : public torch::nn::Module {
 public:
  // Throws std::invalid_argument naming the field when `params` cannot
  // describe a T5 encoder (non-positive sizes, odd bucket count, unknown
  // dense_act_fn).
  explicit T5EncoderImpl(const T5Params& params);

  // input_ids: (B, L) int64 on any device (moved to the weights' device).
  // No attention mask: FLUX lets every position, pads included, attend.
  T5EncoderOutput forward(const torch::Tensor& input_ids, bool outputHiddenStates = false);

  // (Lq, Lk) int64 on the CPU: entry [i, j] is the bidirectional bucket of
  // the relative position j - i. Depends only on the config.
  torch::Tensor relativePositionBuckets(int64_t queryLength, int64_t keyLength) const;

  const T5Params& params() const { return params_; }

  // Activations' dtype (default: the weights'). Float32 with bfloat16
  // weights on CPUs without fast bfloat16 products (tensor/precision_ops.h).
  void setComputeDtype(torch::ScalarType dtype) { computeDtype_ = dtype; }
  torch::ScalarType computeDtype() const;

 private:
  T5Params params_;
  std::optional<torch::ScalarType> computeDtype_;
  EmbeddingTable shared_{nullptr};
  std::vector<T5Block> blocks_;
  T5LayerNorm final_layer_norm_{nullptr};
};
TORCH_MODULE(T5Encoder);

}  // namespace fd
