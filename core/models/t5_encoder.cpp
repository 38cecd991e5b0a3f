#include "models/t5_encoder.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "tensor/precision_ops.h"

namespace fd {

namespace {

void requirePositive(int64_t value, const char* field) {
  if (value <= 0) {
    throw std::invalid_argument(std::string("T5 config: ") + field + " must be positive, got " +
                                std::to_string(value));
  }
}

bool isKnownActivation(const std::string& name) {
  return name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu" || name == "relu";
}

torch::Tensor activate(const torch::Tensor& x, const std::string& name) {
  if (name == "relu") return torch::relu(x);  // original T5 (non-gated)
  if (name == "gelu") return torch::gelu(x);  // exact (erf)
  // gelu_new and gelu_pytorch_tanh are the same tanh approximation (they
  // differ by ~1e-6 in float32, see the golden README).
  return torch::gelu(x, "tanh");
}

Dense linearNoBias(int64_t in, int64_t out) { return Dense(in, out, /*bias=*/false); }

}  // namespace

torch::ScalarType t5SafeDtype(torch::ScalarType requested) {
  return requested == torch::kHalf ? torch::kBFloat16 : requested;
}

// --- RMS norm -------------------------------------------------------------------

T5LayerNormImpl::T5LayerNormImpl(int64_t size, double eps) : eps_(eps) {
  weight = register_parameter("weight", torch::ones({size}));
}

torch::Tensor T5LayerNormImpl::forward(const torch::Tensor& hidden) {
  // HF dtype flow: variance in float32; the input (bf16) times the float32
  // rsqrt promotes to float32, is cast back to the weight dtype, and only
  // then multiplied by the weight.
  auto variance = hidden.to(torch::kFloat).pow(2).mean(-1, /*keepdim=*/true);  // (B, L, 1)
  auto normed = hidden * torch::rsqrt(variance + eps_);                        // (B, L, D) f32
  // HF casts back when the weights are 16-bit; activations carry the compute
  // dtype here (16-bit weights under float32 compute stay float32).
  if (hidden.scalar_type() == torch::kBFloat16 || hidden.scalar_type() == torch::kHalf) {
    normed = normed.to(hidden.scalar_type());
  }
  return castTo(weight, normed.scalar_type()) * normed;  // (B, L, D)
}

// --- self-attention ----------------------------------------------------------------

T5AttentionImpl::T5AttentionImpl(const T5Params& params, bool hasRelativeBias)
    : numHeads_(params.num_heads), headDim_(params.d_kv) {
  const int64_t inner = params.num_heads * params.d_kv;  // need not equal d_model
  q_ = register_module("q", linearNoBias(params.d_model, inner));
  k_ = register_module("k", linearNoBias(params.d_model, inner));
  v_ = register_module("v", linearNoBias(params.d_model, inner));
  o_ = register_module("o", linearNoBias(inner, params.d_model));
  if (hasRelativeBias) {
    relative_attention_bias_ =
        register_module("relative_attention_bias",
                        EmbeddingTable(params.relative_attention_num_buckets, params.num_heads));
  }
}

torch::Tensor T5AttentionImpl::computeBias(const torch::Tensor& buckets) {
  TORCH_CHECK(!relative_attention_bias_.is_empty(),
              "T5 attention: this block has no relative_attention_bias");
  auto values = relative_attention_bias_->forward(buckets);  // (Lq, Lk, H)
  return values.permute({2, 0, 1}).unsqueeze(0);             // (1, H, Lq, Lk)
}

torch::Tensor T5AttentionImpl::forward(const torch::Tensor& hidden,
                                       const torch::Tensor& positionBias) {
  const int64_t batch = hidden.size(0);
  const int64_t length = hidden.size(1);
  auto heads = [&](const torch::Tensor& x) {  // (B, L, H*Dh) -> (B, H, L, Dh)
    return x.view({batch, length, numHeads_, headDim_}).transpose(1, 2);
  };
  auto q = heads(q_->forward(hidden));  // (B, H, L, Dh)
  auto k = heads(k_->forward(hidden));  // (B, H, L, Dh)
  auto v = heads(v_->forward(hidden));  // (B, H, L, Dh)

  // No 1/sqrt(d) scaling in T5; the relative position bias is the additive mask.
  auto context = attention(q, k, v, positionBias, /*scale=*/1.0);  // (B, H, L, Dh)
  context = context.transpose(1, 2).reshape({batch, length, numHeads_ * headDim_});  // (B, L, H*Dh)
  return o_->forward(context);                                                       // (B, L, D)
}

// --- feed-forward -------------------------------------------------------------------

T5DenseImpl::T5DenseImpl(const T5Params& params)
    : gated_(params.is_gated_act), activation_(params.dense_act_fn) {
  if (gated_) {
    wi_0_ = register_module("wi_0", linearNoBias(params.d_model, params.d_ff));
    wi_1_ = register_module("wi_1", linearNoBias(params.d_model, params.d_ff));
  } else {
    wi_ = register_module("wi", linearNoBias(params.d_model, params.d_ff));
  }
  wo_ = register_module("wo", linearNoBias(params.d_ff, params.d_model));
}

torch::Tensor T5DenseImpl::forward(const torch::Tensor& hidden) {
  torch::Tensor inner;  // (B, L, d_ff)
  if (gated_) {
    inner = activate(wi_0_->forward(hidden), activation_) * wi_1_->forward(hidden);
  } else {
    inner = activate(wi_->forward(hidden), activation_);
  }
  return wo_->forward(inner);  // (B, L, D)
}

// --- block -------------------------------------------------------------------------

T5BlockImpl::T5BlockImpl(const T5Params& params, bool hasRelativeBias) {
  // encoder.block.N.layer.0 = self-attention sublayer, layer.1 = feed-forward.
  auto layers = register_module("layer", torch::nn::ModuleList());
  auto attentionLayer = std::make_shared<torch::nn::Module>();
  self_attention_ =
      attentionLayer->register_module("SelfAttention", T5Attention(params, hasRelativeBias));
  attention_norm_ = attentionLayer->register_module(
      "layer_norm", T5LayerNorm(params.d_model, params.layer_norm_epsilon));
  auto denseLayer = std::make_shared<torch::nn::Module>();
  dense_ = denseLayer->register_module("DenseReluDense", T5Dense(params));
  dense_norm_ = denseLayer->register_module("layer_norm",
                                            T5LayerNorm(params.d_model, params.layer_norm_epsilon));
  layers->push_back(attentionLayer);
  layers->push_back(denseLayer);
}

torch::Tensor T5BlockImpl::forward(const torch::Tensor& hidden, const torch::Tensor& positionBias) {
  auto h = hidden +
           self_attention_->forward(attention_norm_->forward(hidden), positionBias);  // (B, L, D)
  return h + dense_->forward(dense_norm_->forward(h));                                // (B, L, D)
}

// --- encoder -----------------------------------------------------------------------

T5EncoderImpl::T5EncoderImpl(const T5Params& params) : params_(params) {
  requirePositive(params.vocab_size, "vocab_size");
  requirePositive(params.d_model, "d_model");
  requirePositive(params.d_kv, "d_kv");
  requirePositive(params.d_ff, "d_ff");
  requirePositive(params.num_heads, "num_heads");
  requirePositive(params.num_layers, "num_layers");
  requirePositive(params.relative_attention_max_distance, "relative_attention_max_distance");
  // Half the buckets per direction, half of those exact: needs >= 4 and even.
  if (params.relative_attention_num_buckets < 4 || params.relative_attention_num_buckets % 2 != 0) {
    throw std::invalid_argument(
        "T5 config: relative_attention_num_buckets must be an even number >= 4, got " +
        std::to_string(params.relative_attention_num_buckets));
  }
  if (!isKnownActivation(params.dense_act_fn)) {
    throw std::invalid_argument("T5 config: unsupported dense_act_fn \"" + params.dense_act_fn +
                                "\" (expected gelu_new, gelu_pytorch_tanh, gelu or relu)");
  }

  shared_ = register_module("shared", EmbeddingTable(params.vocab_size, params.d_model));
  auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
  auto blockList = encoder->register_module("block", torch::nn::ModuleList());
  for (int64_t i = 0; i < params.num_layers; ++i) {
    blocks_.push_back(T5Block(params, /*hasRelativeBias=*/i == 0));
    blockList->push_back(blocks_.back());
  }
  final_layer_norm_ = encoder->register_module(
      "final_layer_norm", T5LayerNorm(params.d_model, params.layer_norm_epsilon));
}

torch::Tensor T5EncoderImpl::relativePositionBuckets(int64_t queryLength, int64_t keyLength) const {
  const int64_t halfBuckets = params_.relative_attention_num_buckets / 2;  // per direction
  const int64_t maxExact = halfBuckets / 2;
  auto options = torch::TensorOptions().dtype(torch::kLong);
  auto context = torch::arange(queryLength, options).unsqueeze(1);  // (Lq, 1)
  auto memory = torch::arange(keyLength, options).unsqueeze(0);     // (1, Lk)
  auto relative = memory - context;                                 // (Lq, Lk): j - i

  auto buckets = relative.gt(0).to(torch::kLong) * halfBuckets;  // keys after the query
  auto distance = relative.abs();                                // (Lq, Lk)
  // Logarithmic buckets in float32 exactly as the reference computes them
  // (the bucket edges depend on float32 rounding). Distances below maxExact
  // are clamped before the log only to avoid log(0); they are replaced below.
  auto scaled =
      torch::log(distance.clamp_min(1).to(torch::kFloat) / static_cast<double>(maxExact)) /
      std::log(static_cast<double>(params_.relative_attention_max_distance) / maxExact) *
      static_cast<double>(halfBuckets - maxExact);
  auto large = (scaled.to(torch::kLong) + maxExact).clamp_max(halfBuckets - 1);  // (Lq, Lk)
  return buckets + torch::where(distance.lt(maxExact), distance, large);         // (Lq, Lk)
}

torch::ScalarType T5EncoderImpl::computeDtype() const {
  return computeDtype_.value_or(shared_->weight.scalar_type());
}

T5EncoderOutput T5EncoderImpl::forward(const torch::Tensor& input_ids, bool outputHiddenStates) {
  TORCH_CHECK(input_ids.dim() == 2, "T5 encoder: input_ids must be (batch, length), got ",
              input_ids.sizes());
  TORCH_CHECK(input_ids.scalar_type() == torch::kLong, "T5 encoder: input_ids must be int64, got ",
              input_ids.scalar_type());
  TORCH_CHECK(input_ids.size(1) >= 1, "T5 encoder: empty sequence");
  const auto& weight = shared_->weight;
  TORCH_CHECK(weight.scalar_type() != torch::kHalf,
              "T5 encoder: float16 weights overflow in T5; load them as bfloat16 (t5SafeDtype)");
  auto ids = input_ids.to(weight.device());  // (B, L)
  TORCH_CHECK(ids.min().item<int64_t>() >= 0 && ids.max().item<int64_t>() < params_.vocab_size,
              "T5 encoder: token id outside 0..", params_.vocab_size - 1);
  const int64_t length = ids.size(1);

  const auto dtype = computeDtype();
  TORCH_CHECK(dtype != torch::kHalf,
              "T5 encoder: float16 activations overflow in T5 (t5SafeDtype)");
  auto hidden = shared_->forward(ids).to(dtype);  // (B, L, D), no embedding scaling in T5
  // Block 0 owns the bias table; every block adds the same bias.
  auto buckets = relativePositionBuckets(length, length).to(weight.device());        // (L, L)
  auto positionBias = blocks_.front()->attention()->computeBias(buckets).to(dtype);  // (1, H, L, L)

  T5EncoderOutput out;
  for (auto& block : blocks_) {
    if (outputHiddenStates) out.hidden_states.push_back(hidden);
    hidden = block->forward(hidden, positionBias);  // (B, L, D)
  }
  out.last_hidden_state = final_layer_norm_->forward(hidden);  // (B, L, D)
  if (outputHiddenStates) out.hidden_states.push_back(out.last_hidden_state);
  return out;
}

}  // namespace fd
