#include "tensor/layers.h"

#include "tensor/packed_weight.h"
#include "tensor/precision_ops.h"

namespace fd {

DenseImpl::DenseImpl(int64_t in, int64_t out, bool withBias, const torch::TensorOptions& options)
    : in_(in) {
  weight = register_parameter("weight", torch::empty({out, in}, options), /*requires_grad=*/false);
  if (withBias) bias = register_parameter("bias", torch::empty({out}, options), false);
}

void DenseImpl::setPackedWeight(const torch::Tensor& packed, DType stored) {
  TORCH_CHECK(keepsPacked(stored), "Dense: ", dtypeDisplayName(stored),
              " is not a packed storage type");
  TORCH_CHECK(packed.dim() == 2 && packed.size(0) == weight.size(0), "Dense: packed weight ",
              packed.sizes(), " does not have ", weight.size(0), " rows");
  weight.set_data(packed);
  packed_ = stored;
}

torch::Tensor DenseImpl::weightIn(torch::ScalarType dtype) const {
  return packed_ ? expandPacked(weight, *packed_, in_, dtype) : castTo(weight, dtype);
}

void DenseImpl::addAdapter(DenseAdapter adapter) {
  TORCH_CHECK(adapter.down.dim() == 2 && adapter.up.dim() == 2 && adapter.down.size(1) == in_ &&
                  adapter.up.size(1) == adapter.down.size(0) && adapter.rowOffset >= 0 &&
                  adapter.rowOffset + adapter.up.size(0) <= weight.size(0),
              "Dense: adapter down ", adapter.down.sizes(), " up ", adapter.up.sizes(), " at row ",
              adapter.rowOffset, " does not fit a layer of ", weight.size(0), " x ", in_);
  adapters_.push_back(std::move(adapter));
}

void DenseImpl::moveAdapters(torch::Device device, bool nonBlocking) {
  for (auto& a : adapters_) {
    a.down = a.down.to(device, /*non_blocking=*/nonBlocking);
    a.up = a.up.to(device, /*non_blocking=*/nonBlocking);
  }
}

void DenseImpl::to(torch::Device device, bool nonBlocking) {
  torch::nn::Module::to(device, nonBlocking);
  moveAdapters(device, nonBlocking);
}

void DenseImpl::to(torch::Dtype dtype, bool nonBlocking) {
  if (!packed_) return torch::nn::Module::to(dtype, nonBlocking);
  if (bias.defined()) bias.set_data(bias.to(dtype, nonBlocking));
}

void DenseImpl::to(torch::Device device, torch::Dtype dtype, bool nonBlocking) {
  moveAdapters(device, nonBlocking);
  if (!packed_) return torch::nn::Module::to(device, dtype, nonBlocking);
  weight.set_data(weight.to(device, /*non_blocking=*/nonBlocking));
  if (bias.defined()) bias.set_data(bias.to(device, dtype, nonBlocking));
}

torch::Tensor DenseImpl::forward(const torch::Tensor& x) const {
  // Packed weights are expanded straight to the dtype the product runs in
  // (x's, or float32 where this CPU's bfloat16 GEMM is slow: linear() then
  // finds it ready).
  torch::Tensor y =
      packed_ ? linear(x, weightIn(linearComputeDtype(x)), bias) : linear(x, weight, bias);
  return adapters_.empty() ? y : addAdapters(x, std::move(y));
}

torch::Tensor DenseImpl::addAdapters(const torch::Tensor& x, torch::Tensor y) const {
  for (const auto& a : adapters_) {
    if (a.scale == 0.0) continue;  // adds nothing: the output stays the base's bit for bit
    // Streamed blocks run on another device than their adapters were made
    // on (.to is a no-op when they agree). linear() computes in the layer's
    // compute dtype, like the base product.
    const auto down = a.down.to(x.device(), /*non_blocking=*/x.is_cuda());
    const auto up = a.up.to(x.device(), /*non_blocking=*/x.is_cuda());
    const auto delta = fd::linear(fd::linear(x, down), up);      // (..., rank) -> (..., rows)
    y.narrow(-1, a.rowOffset, up.size(0)).add_(delta, a.scale);  // y is this call's own tensor
  }
  return y;
}

Conv2dLayerImpl::Conv2dLayerImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                                 int64_t padding, const torch::TensorOptions& options)
    : stride_(stride), padding_(padding) {
  weight = register_parameter("weight", torch::empty({out, in, kernel, kernel}, options), false);
  bias = register_parameter("bias", torch::empty({out}, options), false);
}

torch::Tensor Conv2dLayerImpl::forward(const torch::Tensor& x) const {
  return conv2d(x, weight, bias, stride_, padding_);
}

EmbeddingTableImpl::EmbeddingTableImpl(int64_t count, int64_t dim,
                                       const torch::TensorOptions& options) {
  weight = register_parameter("weight", torch::empty({count, dim}, options), false);
}

torch::Tensor EmbeddingTableImpl::forward(const torch::Tensor& ids) const {
  return torch::embedding(weight, ids);
}

}  // namespace fd
