#include "tensor/attention.h"

#include <torch/version.h>

#include <algorithm>
#include <cmath>

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

torch::Tensor chunkedAttention(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, int64_t maxScoreBytes) {
  checkHeads(q, k, v);
  const auto compute = scoreDtype(q);
  const int64_t batch = q.size(0), heads = q.size(1), lq = q.size(2), dim = q.size(3);
  const int64_t lk = k.size(2), dv = v.size(3);
  const int64_t rows = batch * heads;

  auto qf = q.to(compute).reshape({rows, lq, dim});                 // (BH, Lq, D)
  auto kt = k.to(compute).reshape({rows, lk, dim}).transpose(1, 2);  // (BH, D, Lk)
  auto vf = v.to(compute).reshape({rows, lk, dv});                  // (BH, Lk, Dv)
  const double scale = std::sqrt(static_cast<double>(dim));

  // How many score rows (one per (head, query) pair, Lk values each) fit.
  const int64_t rowBytes = std::max<int64_t>(1, lk * static_cast<int64_t>(c10::elementSize(compute)));
  const int64_t budgetRows = std::max<int64_t>(1, maxScoreBytes / rowBytes);
  const int64_t headsPerChunk = std::clamp<int64_t>(budgetRows / std::max<int64_t>(1, lq), 1, rows);
  const int64_t queriesPerChunk = budgetRows >= lq ? lq : budgetRows;

  auto out = torch::empty({rows, lq, dv}, qf.options());  // (BH, Lq, Dv)
  for (int64_t h0 = 0; h0 < rows; h0 += headsPerChunk) {
    const int64_t h1 = std::min(rows, h0 + headsPerChunk);
    const auto kChunk = kt.slice(0, h0, h1);
    const auto vChunk = vf.slice(0, h0, h1);
    for (int64_t q0 = 0; q0 < lq; q0 += queriesPerChunk) {
      const int64_t q1 = std::min(lq, q0 + queriesPerChunk);
      auto scores = torch::matmul(qf.slice(0, h0, h1).slice(1, q0, q1), kChunk);  // (h, q, Lk)
      scores.div_(scale);
      auto probs = torch::softmax(scores, -1);
      out.slice(0, h0, h1).slice(1, q0, q1).copy_(torch::matmul(probs, vChunk));  // (h, q, Dv)
    }
  }
  return out.view({batch, heads, lq, dv}).to(q.scalar_type());
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
#if defined(TORCH_VERSION_MAJOR) && TORCH_VERSION_MAJOR >= 2
  checkHeads(q, k, v);
  return at::scaled_dot_product_attention(q, k, v);
#else
  return chunkedAttention(q, k, v);
#endif
}

torch::Tensor ropeAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                            const torch::Tensor& pe) {
  auto [qr, kr] = applyRope(q, k, pe);
  auto x = scaledDotProductAttention(qr, kr, v);  // (B, H, L, D)
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});  // (B, L, H*D)
}

}  // namespace fd
