#include "models/clip_text_model.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

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
  if (name == "gelu") return torch::gelu(x);                        // exact (erf)
  if (name == "relu") return torch::relu(x);
  return torch::gelu(x, "tanh");  // gelu_new / gelu_pytorch_tanh
}

// ATen's linear (one fused addmm for the bias, one rounding in bfloat16)
// rather than torch::nn::Linear::forward, whose LibTorch 1.13 version does
// matmul then `+= bias` and rounds twice: that alone moved the bf16 outputs
// by up to 0.05 from the reference's.
torch::Tensor project(const torch::nn::Linear& layer, const torch::Tensor& x) {
  return torch::linear(x, layer->weight, layer->bias);
}

// The most negative finite value of `dtype`, as HF uses for masked scores
// (torch.finfo(dtype).min): -inf would give the same softmax here, but this
// keeps the bf16 scores bit-comparable to the reference.
double lowestFinite(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kBFloat16: return static_cast<double>(std::numeric_limits<c10::BFloat16>::lowest());
    case torch::kHalf: return static_cast<double>(std::numeric_limits<c10::Half>::lowest());
    case torch::kDouble: return std::numeric_limits<double>::lowest();
    default: return static_cast<double>(std::numeric_limits<float>::lowest());
  }
}

// (L, L): 0 on and below the diagonal, lowest finite value above it.
torch::Tensor causalMask(int64_t length, const torch::TensorOptions& options) {
  auto mask = torch::full({length, length}, lowestFinite(options.dtype().toScalarType()), options);
  return torch::triu(mask, /*diagonal=*/1);
}

}  // namespace

// --- attention ---------------------------------------------------------------

ClipAttentionImpl::ClipAttentionImpl(int64_t hiddenSize, int64_t numHeads)
    : numHeads_(numHeads), headDim_(hiddenSize / numHeads) {
  auto linear = [&](const char* name) {
    return register_module(name, torch::nn::Linear(torch::nn::LinearOptions(hiddenSize, hiddenSize)));
  };
  k_proj_ = linear("k_proj");
  v_proj_ = linear("v_proj");
  q_proj_ = linear("q_proj");
  out_proj_ = linear("out_proj");
}

torch::Tensor ClipAttentionImpl::forward(const torch::Tensor& hidden,
                                         const torch::Tensor& additiveMask) {
  const int64_t batch = hidden.size(0);
  const int64_t length = hidden.size(1);
  // (B, L, H*Dh) -> (B*H, L, Dh), contiguous: HF's layout and bmm calls,
  // which keeps bfloat16 results close to the reference's kernels.
  auto heads = [&](const torch::Tensor& x) {
    return x.view({batch, length, numHeads_, headDim_}).transpose(1, 2).reshape(
        {batch * numHeads_, length, headDim_});
  };
  // HF scales the query before q.k^T (not the scores): same rounding in bf16.
  const double scale = 1.0 / std::sqrt(static_cast<double>(headDim_));
  auto q = heads(project(q_proj_, hidden) * scale);  // (B*H, L, Dh)
  auto k = heads(project(k_proj_, hidden));          // (B*H, L, Dh)
  auto v = heads(project(v_proj_, hidden));          // (B*H, L, Dh)
  auto scores = torch::bmm(q, k.transpose(1, 2)).view({batch, numHeads_, length, length}) +
                additiveMask;                                                     // (B, H, L, L)
  auto probs = torch::softmax(scores, -1).view({batch * numHeads_, length, length});  // (B*H, L, L)
  auto context = torch::bmm(probs, v).view({batch, numHeads_, length, headDim_});     // (B, H, L, Dh)
  context = context.transpose(1, 2).reshape({batch, length, numHeads_ * headDim_});   // (B, L, D)
  return project(out_proj_, context);
}

// --- MLP ----------------------------------------------------------------------

ClipMlpImpl::ClipMlpImpl(int64_t hiddenSize, int64_t intermediateSize, std::string activation)
    : activation_(std::move(activation)) {
  fc1_ = register_module("fc1", torch::nn::Linear(hiddenSize, intermediateSize));
  fc2_ = register_module("fc2", torch::nn::Linear(intermediateSize, hiddenSize));
}

torch::Tensor ClipMlpImpl::forward(const torch::Tensor& hidden) {
  return project(fc2_, activate(project(fc1_, hidden), activation_));  // (B, L, D)
}

// --- encoder layer ---------------------------------------------------------------

ClipEncoderLayerImpl::ClipEncoderLayerImpl(const ClipTextParams& params) {
  auto norm = [&] {
    return torch::nn::LayerNorm(
        torch::nn::LayerNormOptions({params.hidden_size}).eps(params.layer_norm_eps));
  };
  self_attn_ = register_module("self_attn",
                               ClipAttention(params.hidden_size, params.num_attention_heads));
  layer_norm1_ = register_module("layer_norm1", norm());
  mlp_ = register_module("mlp", ClipMlp(params.hidden_size, params.intermediate_size,
                                        params.hidden_act));
  layer_norm2_ = register_module("layer_norm2", norm());
}

torch::Tensor ClipEncoderLayerImpl::forward(const torch::Tensor& hidden,
                                            const torch::Tensor& additiveMask) {
  // Pre-LN residual blocks.
  auto h = hidden + self_attn_->forward(layer_norm1_->forward(hidden), additiveMask);  // (B, L, D)
  return h + mlp_->forward(layer_norm2_->forward(h));                                  // (B, L, D)
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
    throw std::invalid_argument("CLIP text config: hidden_size " +
                                std::to_string(params.hidden_size) +
                                " is not divisible by num_attention_heads " +
                                std::to_string(params.num_attention_heads));
  }
  if (!isKnownActivation(params.hidden_act)) {
    throw std::invalid_argument("CLIP text config: unsupported hidden_act \"" + params.hidden_act +
                                "\" (expected quick_gelu, gelu, gelu_new, gelu_pytorch_tanh or relu)");
  }

  // Plain container modules reproduce the HF name hierarchy.
  auto textModel = register_module("text_model", std::make_shared<torch::nn::Module>());
  auto embeddings = textModel->register_module("embeddings", std::make_shared<torch::nn::Module>());
  token_embedding_ = embeddings->register_module(
      "token_embedding", torch::nn::Embedding(params.vocab_size, params.hidden_size));
  position_embedding_ = embeddings->register_module(
      "position_embedding", torch::nn::Embedding(params.max_position_embeddings, params.hidden_size));

  auto encoder = textModel->register_module("encoder", std::make_shared<torch::nn::Module>());
  auto layerList = encoder->register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < params.num_hidden_layers; ++i) {
    layers_.push_back(ClipEncoderLayer(params));
    layerList->push_back(layers_.back());
  }
  final_layer_norm_ = textModel->register_module(
      "final_layer_norm",
      torch::nn::LayerNorm(torch::nn::LayerNormOptions({params.hidden_size}).eps(params.layer_norm_eps)));
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

ClipTextOutput ClipTextModelImpl::forward(const torch::Tensor& input_ids, bool outputHiddenStates) {
  TORCH_CHECK(input_ids.dim() == 2, "CLIP text model: input_ids must be (batch, length), got ",
              input_ids.sizes());
  TORCH_CHECK(input_ids.scalar_type() == torch::kLong, "CLIP text model: input_ids must be int64, got ",
              input_ids.scalar_type());
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

  auto positions = torch::arange(length, ids.options());                                // (L,)
  auto hidden = token_embedding_->forward(ids) + position_embedding_->forward(positions);  // (B, L, D)
  auto mask = causalMask(length, weight.options());                                       // (L, L)

  ClipTextOutput out;
  if (outputHiddenStates) out.hidden_states.push_back(hidden);
  for (auto& layer : layers_) {
    hidden = layer->forward(hidden, mask);  // (B, L, D)
    if (outputHiddenStates) out.hidden_states.push_back(hidden);
  }
  out.last_hidden_state = final_layer_norm_->forward(hidden);  // (B, L, D)

  auto rows = pooledRows(ids);                                  // (B,)
  auto batchIndex = torch::arange(ids.size(0), ids.options());  // (B,)
  out.pooler_output = out.last_hidden_state.index({batchIndex, rows});  // (B, D)
  return out;
}

}  // namespace fd
