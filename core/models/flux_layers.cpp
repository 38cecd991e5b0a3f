#include "models/flux_layers.h"

#include <cmath>

namespace fd {

// --- position and time embeddings ---------------------------------------

torch::Tensor ropeTable(const torch::Tensor& pos, int64_t dim, int64_t theta) {
  TORCH_CHECK(dim > 0 && dim % 2 == 0, "rope axis dimension must be even and positive, got ", dim);
  TORCH_CHECK(pos.scalar_type() == torch::kFloat32, "rope positions must be float32");
  // Every step below is the reference's own float32 operation, in its order:
  // scale = arange/dim, omega = 1 / theta^scale, angles = pos x omega.
  auto scale = torch::arange(0, dim, 2, pos.options()) / dim;  // (dim/2)
  auto omega = torch::pow(torch::scalar_tensor(theta, pos.options()), scale).reciprocal();
  auto angles = pos.unsqueeze(-1) * omega;  // (B, L, dim/2)
  auto cos = torch::cos(angles), sin = torch::sin(angles);
  auto table = torch::stack({cos, -sin, sin, cos}, -1);          // (B, L, dim/2, 4)
  return table.view({pos.size(0), pos.size(1), dim / 2, 2, 2});  // (B, L, dim/2, 2, 2)
}

torch::Tensor embedPositions(const torch::Tensor& ids, const std::vector<int64_t>& axesDim,
                             int64_t theta) {
  TORCH_CHECK(ids.dim() == 3, "position ids must be (B, L, n_axes), got ", ids.sizes());
  TORCH_CHECK(ids.size(2) == static_cast<int64_t>(axesDim.size()), "position ids have ",
              ids.size(2), " axes but the model has ", axesDim.size(), " rope axes");
  auto ids32 = ids.to(torch::kFloat32);
  std::vector<torch::Tensor> tables;
  for (size_t axis = 0; axis < axesDim.size(); ++axis)
    tables.push_back(ropeTable(ids32.select(-1, static_cast<int64_t>(axis)), axesDim[axis], theta));
  return torch::cat(tables, -3).unsqueeze(1);  // (B, 1, L, sum(axes)/2, 2, 2)
}

torch::Tensor timestepEmbedding(const torch::Tensor& t, int64_t dim, double maxPeriod,
                                double timeFactor) {
  TORCH_CHECK(t.dim() == 1, "timestep embedding expects (N,) timesteps, got ", t.sizes());
  auto scaled = t * timeFactor;  // in t's dtype, as the reference does
  const int64_t half = dim / 2;
  // Frequencies are built on the CPU in float32 and then moved, like the reference.
  auto freqs = torch::exp(torch::arange(0, half, torch::kFloat32) * (-std::log(maxPeriod)) / half)
                   .to(t.device());                                          // (half)
  auto args = scaled.unsqueeze(1).to(torch::kFloat32) * freqs.unsqueeze(0);  // (N, half)
  auto embedding = torch::cat({torch::cos(args), torch::sin(args)}, -1);     // (N, 2*half)
  if (dim % 2) embedding = torch::cat({embedding, torch::zeros_like(embedding.slice(1, 0, 1))}, -1);
  if (c10::isFloatingType(t.scalar_type())) embedding = embedding.to(t.scalar_type());
  return embedding;
}

// --- parametrised layers ---------------------------------------------------

MLPEmbedderImpl::MLPEmbedderImpl(int64_t inDim, int64_t hiddenDim,
                                 const torch::TensorOptions& options)
    : inLayer_(register_module("in_layer", Dense(inDim, hiddenDim, true, options))),
      outLayer_(register_module("out_layer", Dense(hiddenDim, hiddenDim, true, options))) {}

torch::Tensor MLPEmbedderImpl::forward(const torch::Tensor& x) {
  return outLayer_->forward(torch::silu(inLayer_->forward(x)));
}

RMSNormImpl::RMSNormImpl(int64_t dim, const torch::TensorOptions& options) {
  scale = register_parameter("scale", torch::empty({dim}, options), false);
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) const {
  auto xf = x.to(torch::kFloat32);
  auto rrms = torch::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + 1e-6);  // (..., 1)
  return (xf * rrms).to(x.scalar_type()) * scale;
}

QKNormImpl::QKNormImpl(int64_t headDim, const torch::TensorOptions& options)
    : queryNorm_(register_module("query_norm", RMSNorm(headDim, options))),
      keyNorm_(register_module("key_norm", RMSNorm(headDim, options))) {}

std::pair<torch::Tensor, torch::Tensor> QKNormImpl::forward(const torch::Tensor& q,
                                                            const torch::Tensor& k,
                                                            const torch::Tensor& v) const {
  return {queryNorm_->forward(q).to(v.scalar_type()), keyNorm_->forward(k).to(v.scalar_type())};
}

ModulationImpl::ModulationImpl(int64_t hidden, bool isDouble, const torch::TensorOptions& options)
    : isDouble_(isDouble),
      lin_(register_module("lin", Dense(hidden, (isDouble ? 6 : 3) * hidden, true, options))) {}

std::vector<ModulationOut> ModulationImpl::forward(const torch::Tensor& vec) const {
  auto parts = lin_->forward(torch::silu(vec)).unsqueeze(1).chunk(isDouble_ ? 6 : 3, -1);
  std::vector<ModulationOut> out{{parts[0], parts[1], parts[2]}};
  if (isDouble_) out.push_back({parts[3], parts[4], parts[5]});
  return out;
}

SelfAttentionImpl::SelfAttentionImpl(int64_t hidden, int64_t numHeads, bool qkvBias,
                                     const torch::TensorOptions& options)
    : numHeads_(numHeads),
      qkv_(register_module("qkv", Dense(hidden, 3 * hidden, qkvBias, options))),
      norm_(register_module("norm", QKNorm(hidden / numHeads, options))),
      proj_(register_module("proj", Dense(hidden, hidden, true, options))) {}

SelfAttentionImpl::Heads SelfAttentionImpl::project(const torch::Tensor& x) const {
  auto qkv = splitHeads(qkv_->forward(x), numHeads_);
  auto [q, k] = norm_->forward(qkv[0], qkv[1], qkv[2]);
  return {q, k, qkv[2]};
}

torch::Tensor SelfAttentionImpl::proj(const torch::Tensor& x) const { return proj_->forward(x); }

GeluMlpImpl::GeluMlpImpl(int64_t hidden, int64_t mlpHidden, const torch::TensorOptions& options)
    : fc1_(register_module("0", Dense(hidden, mlpHidden, true, options))),
      fc2_(register_module("2", Dense(mlpHidden, hidden, true, options))) {}

torch::Tensor GeluMlpImpl::forward(const torch::Tensor& x) const {
  return fc2_->forward(torch::gelu(fc1_->forward(x), "tanh"));
}

// --- shared helpers --------------------------------------------------------

torch::Tensor layerNormNoAffine(const torch::Tensor& x) {
  return torch::layer_norm(x, {x.size(-1)}, /*weight=*/{}, /*bias=*/{}, 1e-6);
}

torch::Tensor modulate(const torch::Tensor& x, const torch::Tensor& shift,
                       const torch::Tensor& scale) {
  return (scale + 1) * x + shift;
}

std::vector<torch::Tensor> splitHeads(const torch::Tensor& qkv, int64_t numHeads) {
  TORCH_CHECK(qkv.dim() == 3 && qkv.size(2) % (3 * numHeads) == 0, "qkv ", qkv.sizes(),
              " cannot be split into 3 x ", numHeads, " heads");
  const int64_t headDim = qkv.size(2) / (3 * numHeads);
  // (B, L, 3, H, D) -> (3, B, H, L, D)
  return qkv.view({qkv.size(0), qkv.size(1), 3, numHeads, headDim})
      .permute({2, 0, 3, 1, 4})
      .unbind(0);
}

}  // namespace fd
