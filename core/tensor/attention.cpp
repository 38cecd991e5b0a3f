#include "tensor/attention.h"

#include <cmath>

#include "tensor/precision_ops.h"

namespace fd {

namespace {

void checkHeads(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4,
              "attention expects (B, H, L, D) tensors, got q ", q.sizes(), ", k ", k.sizes(),
              ", v ", v.sizes());
  TORCH_CHECK(q.size(0) == k.size(0) && q.size(1) == k.size(1) && q.size(3) == k.size(3),
              "attention: q ", q.sizes(), " and k ", k.sizes(), " disagree");
  TORCH_CHECK(k.size(0) == v.size(0) && k.size(1) == v.size(1) && k.size(2) == v.size(2),
              "attention: k ", k.sizes(), " and v ", v.sizes(), " disagree");
}

// The dtype scores are computed in: float32 for every float type but float64.
torch::ScalarType scoreDtype(const torch::Tensor& q) {
  return q.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
}

}  // namespace

std::pair<torch::Tensor, torch::Tensor> applyRope(const torch::Tensor& q, const torch::Tensor& k,
                                                  const torch::Tensor& pe) {
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4, "applyRope expects (B, H, L, D) q and k");
  TORCH_CHECK(pe.dim() == 6 && pe.size(-1) == 2 && pe.size(-2) == 2 &&
                  pe.size(-3) * 2 == q.size(-1) && pe.size(2) == q.size(2),
              "applyRope: pe ", pe.sizes(), " does not fit q ", q.sizes());
  const auto pe0 = pe.select(-1, 0);  // (B, 1, L, D/2, 2): [cos, sin]
  const auto pe1 = pe.select(-1, 1);  // (B, 1, L, D/2, 2): [-sin, cos]
  auto rotate = [&](const torch::Tensor& x) {
    auto pairs = x.to(torch::kFloat32).reshape({x.size(0), x.size(1), x.size(2), -1, 1, 2});
    // (B, H, L, D/2, 2) = pe[..., 0] * x[2i] + pe[..., 1] * x[2i+1]
    auto out = pe0 * pairs.select(-1, 0) + pe1 * pairs.select(-1, 1);
    return out.reshape(x.sizes()).to(x.scalar_type());  // (B, H, L, D)
  };
  return {rotate(q), rotate(k)};
}

torch::Tensor plainAttention(const torch::Tensor& q, const torch::Tensor& k,
                             const torch::Tensor& v) {
  checkHeads(q, k, v);
  const auto compute = scoreDtype(q);
  auto scores = torch::matmul(q.to(compute), k.to(compute).transpose(-2, -1)) /
                std::sqrt(static_cast<double>(q.size(-1)));  // (B, H, Lq, Lk)
  return torch::matmul(torch::softmax(scores, -1), v.to(compute)).to(q.scalar_type());
}

torch::Tensor scaledDotProductAttention(const torch::Tensor& q, const torch::Tensor& k,
                                        const torch::Tensor& v) {
  return attention(q, k, v);
}

torch::Tensor ropeAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                            const torch::Tensor& pe) {
  auto [qr, kr] = applyRope(q, k, pe);
  auto x = scaledDotProductAttention(qr, kr, v);                                    // (B, H, L, D)
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});  // (B, L, H*D)
}

}  // namespace fd
