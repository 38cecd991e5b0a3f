#include "tensor/precision_ops.h"

#include "tensor/cpu_bf16_probe.h"

namespace fd {

namespace {

// bfloat16 on a CPU whose kernel for this kind of product is inexact or slow.
bool viaFloat32(const torch::Tensor& x, ProductKind kind) {
  return x.is_cpu() && x.scalar_type() == torch::kBFloat16 && !cpuBf16Report()[kind].native();
}

}  // namespace

torch::Tensor castTo(const torch::Tensor& t, torch::ScalarType dtype) {
  return t.defined() && t.scalar_type() != dtype ? t.to(dtype) : t;
}

torch::ScalarType linearComputeDtype(const torch::Tensor& x) {
  return viaFloat32(x, ProductKind::Linear) ? torch::kFloat : x.scalar_type();
}

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight,
                     const torch::Tensor& bias) {
  if (viaFloat32(x, ProductKind::Linear)) {
    const auto f = torch::kFloat;
    return torch::linear(x.to(f), weight.to(f), castTo(bias, f)).to(x.scalar_type());
  }
  // One fused addmm: the bias is added before the single rounding.
  return torch::linear(x, castTo(weight, x.scalar_type()), castTo(bias, x.scalar_type()));
}

torch::Tensor matmul(const torch::Tensor& a, const torch::Tensor& b) {
  if (viaFloat32(a, ProductKind::Matmul))
    return torch::matmul(a.to(torch::kFloat), b.to(torch::kFloat)).to(a.scalar_type());
  return torch::matmul(a, castTo(b, a.scalar_type()));
}

torch::Tensor conv2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                     int64_t stride, int64_t padding) {
  if (viaFloat32(x, ProductKind::Conv2d)) {
    const auto f = torch::kFloat;
    return torch::conv2d(x.to(f), weight.to(f), castTo(bias, f), stride, padding)
        .to(x.scalar_type());
  }
  return torch::conv2d(x, castTo(weight, x.scalar_type()), castTo(bias, x.scalar_type()), stride,
                       padding);
}

torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& mask, std::optional<double> scale, bool causal) {
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4,
              "attention expects (B, H, L, D) tensors, got q ", q.sizes(), ", k ", k.sizes(),
              ", v ", v.sizes());
  TORCH_CHECK(q.size(0) == k.size(0) && q.size(1) == k.size(1) && q.size(3) == k.size(3),
              "attention: q ", q.sizes(), " and k ", k.sizes(), " disagree");
  TORCH_CHECK(k.size(0) == v.size(0) && k.size(1) == v.size(1) && k.size(2) == v.size(2),
              "attention: k ", k.sizes(), " and v ", v.sizes(), " disagree");
  // The CPU flash kernel runs its two products through the generic bf16
  // GEMM: on CPUs without fast bf16 it is far slower than in float32.
  const auto compute = viaFloat32(q, ProductKind::Matmul) ? torch::kFloat : q.scalar_type();
  std::optional<torch::Tensor> additive;
  if (mask.defined()) additive = castTo(mask, compute);
  const torch::Tensor out =
      at::scaled_dot_product_attention(castTo(q, compute), castTo(k, compute), castTo(v, compute),
                                       additive, /*dropout_p=*/0.0, causal, scale);
  return castTo(out, q.scalar_type());
}

}  // namespace fd

namespace fd {
torch::Tensor layerNorm(const torch::Tensor& x, const torch::Tensor& weight,
                        const torch::Tensor& bias, double eps) {
  return torch::layer_norm(x, {x.size(-1)}, castTo(weight, x.scalar_type()),
                           castTo(bias, x.scalar_type()), eps);
}
}  // namespace fd
