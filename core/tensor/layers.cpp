#include "tensor/layers.h"

#include "tensor/precision_ops.h"

namespace fd {

DenseImpl::DenseImpl(int64_t in, int64_t out, bool withBias, const torch::TensorOptions& options) {
  weight = register_parameter("weight", torch::empty({out, in}, options), /*requires_grad=*/false);
  if (withBias) bias = register_parameter("bias", torch::empty({out}, options), false);
}

torch::Tensor DenseImpl::forward(const torch::Tensor& x) const { return linear(x, weight, bias); }

Conv2dLayerImpl::Conv2dLayerImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                                 const torch::TensorOptions& options)
    : stride_(stride), padding_(padding) {
  weight = register_parameter("weight", torch::empty({out, in, kernel, kernel}, options), false);
  bias = register_parameter("bias", torch::empty({out}, options), false);
}

torch::Tensor Conv2dLayerImpl::forward(const torch::Tensor& x) const {
  return conv2d(x, weight, bias, stride_, padding_);
}

EmbeddingTableImpl::EmbeddingTableImpl(int64_t count, int64_t dim, const torch::TensorOptions& options) {
  weight = register_parameter("weight", torch::empty({count, dim}, options), false);
}

torch::Tensor EmbeddingTableImpl::forward(const torch::Tensor& ids) const {
  return torch::embedding(weight, ids);
}

}  // namespace fd
