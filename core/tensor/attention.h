#pragma once
// FLUX attention: rotary position embedding (RoPE) on q and k, then
// softmax(q k^T / sqrt(D)) v with the heads merged back into the channels.
// Engine-internal (torch heavy).

#include <torch/torch.h>

#include <cstdint>
#include <utility>

namespace fd {

// Rotates adjacent pairs (x[2i], x[2i+1]) of q and k by the rotation
// matrices `pe` (B|1, 1, L, D/2, 2, 2), float32. Like the reference, the
// rotation is computed in float32 and the result cast back to each input's
// dtype. q, k: (B, H, L, D).
std::pair<torch::Tensor, torch::Tensor> applyRope(const torch::Tensor& q, const torch::Tensor& k,
                                                  const torch::Tensor& pe);

// softmax(q k^T / sqrt(D)) v, (B, H, L, D) -> (B, H, L, D) in q's dtype,
// through the engine's one attention (tensor/precision_ops.h: LibTorch's
// fused scaled_dot_product_attention, bf16 rules of this CPU).
torch::Tensor scaledDotProductAttention(const torch::Tensor& q, const torch::Tensor& k,
                                        const torch::Tensor& v);

// The whole (B, H, L, L) score matrix at once, in float32: the textbook
// formula, a reference for tests.
torch::Tensor plainAttention(const torch::Tensor& q, const torch::Tensor& k,
                             const torch::Tensor& v);

// flux.math.attention: RoPE, attention, heads merged 'B H L D -> B L (H D)'.
torch::Tensor ropeAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                            const torch::Tensor& pe);

}  // namespace fd
