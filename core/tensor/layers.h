#pragma once
// Parametrised layers shared by every model: a linear layer and a 2-D
// convolution with the parameter names of torch::nn::Linear / Conv2d
// ("weight", "bias"), so checkpoints load unchanged. Unlike those, the
// parameters are allocated uninitialised (every value comes from the
// checkpoint; random initialisation of billions of parameters costs minutes
// and touches every page), and forward goes through tensor/precision_ops.h,
// so weights may stay in a narrower dtype than the activations.
// Engine-internal (torch).

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "weights/dtype.h"

namespace fd {

// A low-rank adapter (LoRA) on a Dense layer: adds
// scale * (x down^T) up^T to the output columns [rowOffset, rowOffset + rows)
// (rows of the weight), after the base product, so the weight itself is
// never changed (packed GGUF / float8 weights included).
struct DenseAdapter {
  torch::Tensor down;  // (rank, in), on the layer's device
  torch::Tensor up;    // (rows, rank)
  int64_t rowOffset = 0;
  double scale = 1.0;  // user scale * alpha / rank
};

// y = x W^T + b. The weight may be kept packed (tensor/packed_weight.h):
// ggml blocks or float8, expanded for each call. Adapters (lora/lora_apply.h)
// add their low-rank products to y.
class DenseImpl : public torch::nn::Module {
 public:
  DenseImpl(int64_t in, int64_t out, bool bias, const torch::TensorOptions& options = {});
  torch::Tensor forward(const torch::Tensor& x) const;
  // The loader hands over a packed weight: uint8 (out, rowBytes) for ggml
  // types, float8 (out, in) for F8_*; it replaces the parameter's data.
  void setPackedWeight(const torch::Tensor& packed, DType stored);
  // The stored type when packed, else nullopt.
  std::optional<DType> packedType() const { return packed_; }
  // The weight as a (out, in) tensor in `dtype` (expanded when packed).
  torch::Tensor weightIn(torch::ScalarType dtype) const;
  int64_t inFeatures() const { return in_; }
  // Adapters are plain members, not parameters or buffers: they never show
  // in named_parameters() (strict loading, checkpoint keys) and leave the
  // base weights untouched; clearAdapters gives the base layer back exactly.
  void addAdapter(DenseAdapter adapter);
  void clearAdapters() { adapters_.clear(); }
  const std::vector<DenseAdapter>& adapters() const { return adapters_; }
  // Module::to converts every parameter; a packed weight keeps its stored
  // format (only its device changes), the bias converts.
  using torch::nn::Module::to;
  void to(torch::Dtype dtype, bool nonBlocking = false) override;
  void to(torch::Device device, torch::Dtype dtype, bool nonBlocking = false) override;
  void to(torch::Device device, bool nonBlocking = false) override;  // adapters move along
  torch::Tensor weight, bias;  // (out, in) or packed, (out) or undefined

 private:
  torch::Tensor addAdapters(const torch::Tensor& x, torch::Tensor y) const;
  void moveAdapters(torch::Device device, bool nonBlocking);

  int64_t in_;
  std::optional<DType> packed_;
  std::vector<DenseAdapter> adapters_;
};
TORCH_MODULE(Dense);

// Convolution with bias, square kernel, symmetric zero padding.
class Conv2dLayerImpl : public torch::nn::Module {
 public:
  Conv2dLayerImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                  const torch::TensorOptions& options = {});
  torch::Tensor forward(const torch::Tensor& x) const;  // (B, in, H, W) -> (B, out, H', W')
  torch::Tensor weight, bias;                           // (out, in, k, k), (out)

 private:
  int64_t stride_, padding_;
};
TORCH_MODULE(Conv2dLayer);

// Lookup table: ids (...) -> (..., dim), in the table's dtype.
class EmbeddingTableImpl : public torch::nn::Module {
 public:
  EmbeddingTableImpl(int64_t count, int64_t dim, const torch::TensorOptions& options = {});
  torch::Tensor forward(const torch::Tensor& ids) const;
  torch::Tensor weight;  // (count, dim)
};
TORCH_MODULE(EmbeddingTable);

}  // namespace fd
