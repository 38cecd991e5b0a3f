#pragma once
// The engine's products (linear layers, matrix products, convolutions,
// attention), for activations and weights that may be stored in different
// dtypes. Every layer of every model calls these instead of torch::linear,
// torch::matmul, torch::conv2d or at::scaled_dot_product_attention, so the
// dtype rules live here once:
//
// - Weights are converted to the activations' dtype for the one call and the
//   copy dropped after: bfloat16 weights under float32 compute cost 2 bytes
//   per weight in memory, not 4 (CPUs without fast bfloat16, see
//   cpu_bf16_probe.h).
// - bfloat16 products accumulate in float32 on every CPU: where the probe
//   found this CPU's bfloat16 kernel for a kind of product inexact or slower
//   than float32, the product is computed in float32 and rounded once.
//
// Engine-internal (torch).

#include <torch/torch.h>

#include <cstdint>
#include <optional>

namespace fd {

// x (..., K) @ weight^T (N, K) + bias (N) -> (..., N) in x's dtype.
torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight,
                     const torch::Tensor& bias = {});

// The dtype linear(x, ...) multiplies in: x's, or float32 for bfloat16 x on
// a CPU whose bfloat16 GEMM is slow or inexact.
torch::ScalarType linearComputeDtype(const torch::Tensor& x);

// a (..., M, K) @ b (..., K, N) -> (..., M, N) in a's dtype.
torch::Tensor matmul(const torch::Tensor& a, const torch::Tensor& b);

// 2-D convolution, square kernel and symmetric padding, in x's dtype.
// x (B, Cin, H, W), weight (Cout, Cin, k, k), bias (Cout) or undefined.
torch::Tensor conv2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                     int64_t stride, int64_t padding);

// softmax(q k^T * scale + mask) v with LibTorch's fused kernels (flash /
// memory-efficient on CUDA, the flash CPU kernel: no (L, L) score matrix
// is held). q (B, H, Lq, D), k (B, H, Lk, D), v (B, H, Lk, Dv) -> (B, H, Lq, Dv)
// in q's dtype. `mask`: additive, broadcastable to (B, H, Lq, Lk), any
// float dtype (converted to q's). `scale`: default 1/sqrt(D).
torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& mask = {}, std::optional<double> scale = std::nullopt,
                        bool causal = false);

// `t` in `dtype` (no copy when it already is; undefined stays undefined).
torch::Tensor castTo(const torch::Tensor& t, torch::ScalarType dtype);

}  // namespace fd

namespace fd {
// LayerNorm over the last dim with affine parameters stored in any dtype.
torch::Tensor layerNorm(const torch::Tensor& x, const torch::Tensor& weight,
                        const torch::Tensor& bias, double eps);
}  // namespace fd
