#include "models/clip_text_model.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "tensor/precision_ops.h"

namespace fd {

namespace {

void requirePositive(int64_t value, const char* field) {
  if (value <= 0) {
    throw std::invalid_argument(std::string("CLIP text config: ") + field +
                                " must be positive, got " + std::to_string(value));
  }
}

bool isKnownActivation(const std::string& name) {
  return name == "quick_gelu" || name == "gelu" || name == "gelu_new" ||
         name == "gelu_pytorch_tanh" || name == "relu";
}

torch::Tensor activate(const torch::Tensor& x, const std::string& name) {
  if (name == "quick_gelu") return x * torch::sigmoid(x * 1.702);  // CLIP's own GELU fit
  if (name == "gelu") return torch::gelu(x);                       // exact (erf)
  if (name == "relu") return torch::relu(x);
  return torch::gelu(x, "tanh");  // gelu_new / gelu_pytorch_tanh
}

}  // namespace

// --- attention ---------------------------------------------------------------

ClipAttentionImpl::ClipAttentionImpl(int64_t hiddenSize, int64_t numHeads)
    : numHeads_(numHeads), headDim_(hiddenSize / numHeads) {
  auto linear = [&](const char* name) {
    return register_module(name, Dense(hiddenSize, hiddenSize, /*bias=*/true));
  };
  k_proj_ = linear("k_proj");
  v_proj_ = linear("v_proj");
  q_proj_ = linear("q_proj");
  out_proj_ = linear("out_proj");
}

torch::Tensor ClipAttentionImpl::forward(const torch::Tensor& hidden) {
  const int64_t batch = hidden.size(0);
  const int64_t length = hidden.size(1);
  auto heads = [&](const torch::Tensor& x) {  // (B, L, H*Dh) -> (B, H, L, Dh)
    return x.view({batch, length, numHeads_, headDim_}).transpose(1, 2);
  };
  // HF scales the query before q.k^T (not the scores): same rounding in bf16.
  const double scale = 1.0 / std::sqrt(static_cast<double>(headDim_));
  auto q = heads(q_proj_->forward(hidden) * scale);  // (B, H, L, Dh)
  auto k = heads(k_proj_->forward(hidden));          // (B, H, L, Dh)
  auto v = heads(v_proj_->forward(hidden));          // (B, H, L, Dh)
  // Causal: HF's additive mask of finfo.min above the diagonal.
  auto context = attention(q, k, v, {}, /*scale=*/1.0, /*causal=*/true);  // (B, H, L, Dh)
  context = context.transpose(1, 2).reshape({batch, length, numHeads_ * headDim_});  // (B, L, D)
  return out_proj_->forward(context);
}

// --- MLP ----------------------------------------------------------------------

ClipMlpImpl::ClipMlpImpl(int64_t hiddenSize, int64_t intermediateSize, std::string activation)
    : activation_(std::move(activation)) {
  fc1_ = register_module("fc1", Dense(hiddenSize, intermediateSize, /*bias=*/true));
  fc2_ = register_module("fc2", Dense(intermediateSize, hiddenSize, /*bias=*/true));
}

torch::Tensor ClipMlpImpl::forward(const torch::Tensor& hidden) {
  return fc2_->forward(activate(fc1_->forward(hidden), activation_));  // (B, L, D)
}

// --- encoder layer ---------------------------------------------------------------

ClipEncoderLayerImpl::ClipEncoderLayerImpl(const ClipTextParams& params) {
  auto norm = [&] {
    return torch::nn::LayerNorm(
        torch::nn::LayerNormOptions({params.hidden_size}).eps(params.layer_norm_eps));
  };
  self_attn_ =
      register_module("self_attn", ClipAttention(params.hidden_size, params.num_attention_heads));
  layer_norm1_ = register_module("layer_norm1", norm());
  mlp_ = register_module("mlp",
                         ClipMlp(params.hidden_size, params.intermediate_size, params.hidden_act));
  layer_norm2_ = register_module("layer_norm2", norm());
}

torch::Tensor ClipEncoderLayerImpl::forward(const torch::Tensor& hidden) {
  // Pre-LN residual blocks.
  auto norm = [](const torch::nn::LayerNorm& n, const torch::Tensor& x) {
    return layerNorm(x, n->weight, n->bias, n->options.eps());
  };
  auto h = hidden + self_attn_->forward(norm(layer_norm1_, hidden));  // (B, L, D)
  return h + mlp_->forward(norm(layer_norm2_, h));                    // (B, L, D)
}

// --- whole model -------------------------------------------------------------------

ClipTextModelImpl::ClipTextModelImpl(const ClipTextParams& params) : params_(params) {
  requirePositive(params.vocab_size, "vocab_size");
  requirePositive(params.hidden_size, "hidden_size");
  requirePositive(params.intermediate_size, "intermediate_size");
  requirePositive(params.num_attention_heads, "num_attention_heads");
  requirePositive(params.num_hidden_layers, "num_hidden_layers");
  requirePositive(params.max_position_embeddings, "max_position_embeddings");
  if (params.hidden_size % params.num_attention_heads != 0) {
    throw std::invalid_argument(
        "CLIP text config: hidden_size " + std::to_string(params.hidden_size) +
        " is not divisible by num_attention_heads " + std::to_string(params.num_attention_heads));
  }
  if (!isKnownActivation(params.hidden_act)) {
    throw std::invalid_argument(
        "CLIP text config: unsupported hidden_act \"" + params.hidden_act +
        "\" (expected quick_gelu, gelu, gelu_new, gelu_pytorch_tanh or relu)");
  }

  // Plain container modules reproduce the HF name hierarchy.
  auto textModel = register_module("text_model", std::make_shared<torch::nn::Module>());
  auto embeddings = textModel->register_module("embeddings", std::make_shared<torch::nn::Module>());
  token_embedding_ = embeddings->register_module(
      "token_embedding", EmbeddingTable(params.vocab_size, params.hidden_size));
  position_embedding_ = embeddings->register_module(
      "position_embedding", EmbeddingTable(params.max_position_embeddings, params.hidden_size));

  auto encoder = textModel->register_module("encoder", std::make_shared<torch::nn::Module>());
  auto layerList = encoder->register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < params.num_hidden_layers; ++i) {
    layers_.push_back(ClipEncoderLayer(params));
    layerList->push_back(layers_.back());
  }
  final_layer_norm_ = textModel->register_module(
      "final_layer_norm",
      torch::nn::LayerNorm(
          torch::nn::LayerNormOptions({params.hidden_size}).eps(params.layer_norm_eps)));
}

torch::Tensor ClipTextModelImpl::pooledRows(const torch::Tensor& ids) const {
  if (params_.eos_token_id == 2) {
    // Legacy configs (FLUX's included): the EOS has the largest id, and
    // argmax returns the first maximal position, i.e. the first EOS.
    return ids.argmax(-1);  // (B,)
  }
  // Newer rule; argmax over the 0/1 match gives the first match (0 if none,
  // as HF does).
  return ids.eq(params_.eos_token_id).to(torch::kInt).argmax(-1);  // (B,)
}

torch::ScalarType ClipTextModelImpl::computeDtype() const {
  return computeDtype_.value_or(token_embedding_->weight.scalar_type());
}

ClipTextOutput ClipTextModelImpl::forward(const torch::Tensor& input_ids, bool outputHiddenStates) {
  TORCH_CHECK(input_ids.dim() == 2, "CLIP text model: input_ids must be (batch, length), got ",
              input_ids.sizes());
  TORCH_CHECK(input_ids.scalar_type() == torch::kLong,
              "CLIP text model: input_ids must be int64, got ", input_ids.scalar_type());
  const int64_t length = input_ids.size(1);
  TORCH_CHECK(length >= 1 && length <= params_.max_position_embeddings,
              "CLIP text model: sequence length ", length, " outside 1..",
              params_.max_position_embeddings);
  const auto& weight = token_embedding_->weight;
  auto ids = input_ids.to(weight.device());  // (B, L)
  if (ids.numel() > 0) {
    TORCH_CHECK(ids.min().item<int64_t>() >= 0 && ids.max().item<int64_t>() < params_.vocab_size,
                "CLIP text model: token id outside 0..", params_.vocab_size - 1);
  }

  const auto dtype = computeDtype();
  auto positions = torch::arange(length, ids.options());  // (L,)
  auto hidden = token_embedding_->forward(ids).to(dtype) +
                position_embedding_->forward(positions).to(dtype);  // (B, L, D)

  ClipTextOutput out;
  if (outputHiddenStates) out.hidden_states.push_back(hidden);
  for (auto& layer : layers_) {
    hidden = layer->forward(hidden);  // (B, L, D)
    if (outputHiddenStates) out.hidden_states.push_back(hidden);
  }
  out.last_hidden_state = layerNorm(hidden, final_layer_norm_->weight, final_layer_norm_->bias,
                                    final_layer_norm_->options.eps());  // (B, L, D)

  auto rows = pooledRows(ids);                                          // (B,)
  auto batchIndex = torch::arange(ids.size(0), ids.options());          // (B,)
  out.pooler_output = out.last_hidden_state.index({batchIndex, rows});  // (B, D)
  return out;
}

}  // namespace fd
