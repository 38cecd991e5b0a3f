#pragma once
// Building blocks of the FLUX transformer (flux.modules.layers and
// flux.math.rope of the reference). Submodules and parameters carry the
// official state_dict names so that named_parameters() equals the
// checkpoint keys.

#include <torch/torch.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "tensor/layers.h"

namespace fd {

// --- position and time embeddings ---------------------------------------

// flux.math.rope: rotation matrices for positions `pos` (B, L) float32 along
// one axis of `dim` channels -> (B, L, dim/2, 2, 2) float32, last two dims
// [[cos, -sin], [sin, cos]] of pos * theta^(-2j/dim), computed in float32.
torch::Tensor ropeTable(const torch::Tensor& pos, int64_t dim, int64_t theta);

// EmbedND: the tables of every id axis, concatenated per position in axis
// order. ids (B, L, n_axes) -> (B, 1, L, sum(axes_dim)/2, 2, 2) float32.
torch::Tensor embedPositions(const torch::Tensor& ids, const std::vector<int64_t>& axesDim,
                             int64_t theta);

// Sinusoidal embedding [cos(args), sin(args)] (+ a zero column when `dim` is
// odd) with args = (timeFactor * t) * exp(-ln(maxPeriod) * j / half). Like
// the reference, timeFactor * t is computed in t's dtype (rounded to bf16 in
// a bf16 pipeline), the rest in float32, and the result cast to t's dtype.
// t (N,) -> (N, dim).
torch::Tensor timestepEmbedding(const torch::Tensor& t, int64_t dim, double maxPeriod = 10000.0,
                                double timeFactor = 1000.0);

// --- parametrised layers ---------------------------------------------------

// in_layer -> SiLU -> out_layer.
class MLPEmbedderImpl : public torch::nn::Module {
 public:
  MLPEmbedderImpl(int64_t inDim, int64_t hiddenDim, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  Dense inLayer_{nullptr}, outLayer_{nullptr};
};
TORCH_MODULE(MLPEmbedder);

// Normalises in float32 (eps 1e-6 inside the rsqrt), casts back to the
// input dtype, then multiplies by `scale` (in the model dtype).
class RMSNormImpl : public torch::nn::Module {
 public:
  RMSNormImpl(int64_t dim, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x) const;
  torch::Tensor scale;
};
TORCH_MODULE(RMSNorm);

// query_norm / key_norm, results cast to v's dtype.
class QKNormImpl : public torch::nn::Module {
 public:
  QKNormImpl(int64_t headDim, const torch::TensorOptions& options);
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& q, const torch::Tensor& k,
                                                  const torch::Tensor& v) const;

 private:
  RMSNorm queryNorm_{nullptr}, keyNorm_{nullptr};
};
TORCH_MODULE(QKNorm);

struct ModulationOut {
  torch::Tensor shift, scale, gate;  // each (B, 1, hidden)
};

// lin(silu(vec)) split into shift, scale, gate (twice for double blocks:
// attention first, then MLP).
class ModulationImpl : public torch::nn::Module {
 public:
  ModulationImpl(int64_t hidden, bool isDouble, const torch::TensorOptions& options);
  std::vector<ModulationOut> forward(const torch::Tensor& vec) const;  // 2 (double) or 1 entries

 private:
  bool isDouble_;
  Dense lin_{nullptr};
};
TORCH_MODULE(Modulation);

// The attention projections of one stream of a double block: qkv, norm,
// proj. The block runs the joint attention itself, so this module only
// holds the parameters and the per-stream pieces.
class SelfAttentionImpl : public torch::nn::Module {
 public:
  SelfAttentionImpl(int64_t hidden, int64_t numHeads, bool qkvBias,
                    const torch::TensorOptions& options);
  struct Heads {
    torch::Tensor q, k, v;  // each (B, H, L, D); q, k normalised
  };
  // qkv(x) split 'B L (K H D) -> K B H L D', then QK-normalised.
  Heads project(const torch::Tensor& x) const;
  torch::Tensor proj(const torch::Tensor& x) const;  // (B, L, hidden)

 private:
  int64_t numHeads_;
  Dense qkv_{nullptr};
  QKNorm norm_{nullptr};
  Dense proj_{nullptr};
};
TORCH_MODULE(SelfAttention);

// nn.Sequential(Linear, GELU(tanh), Linear): children "0" and "2".
class GeluMlpImpl : public torch::nn::Module {
 public:
  GeluMlpImpl(int64_t hidden, int64_t mlpHidden, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x) const;

 private:
  Dense fc1_{nullptr}, fc2_{nullptr};
};
TORCH_MODULE(GeluMlp);

// --- shared helpers --------------------------------------------------------

// LayerNorm over the last dim, eps 1e-6, no affine parameters.
torch::Tensor layerNormNoAffine(const torch::Tensor& x);

// (1 + scale) * x + shift, in the reference's operation order.
torch::Tensor modulate(const torch::Tensor& x, const torch::Tensor& shift,
                       const torch::Tensor& scale);

// 'B L (K H D) -> K B H L D' with K = 3: q, k, v views of `qkv`.
std::vector<torch::Tensor> splitHeads(const torch::Tensor& qkv, int64_t numHeads);

}  // namespace fd
