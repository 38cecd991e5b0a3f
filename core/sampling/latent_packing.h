#pragma once
// The transformer works on sequences of 2x2 latent patches: packing and
// unpacking (flux.sampling.prepare / unpack) and the position ids.

#include <torch/torch.h>

#include <cstdint>

namespace fd {

// 'b c (h ph) (w pw) -> b (h w) (c ph pw)', ph = pw = 2.
// (B, C, H, W) -> (B, H/2 * W/2, C*4); H and W must be even.
torch::Tensor packLatents(const torch::Tensor& latent);

// Inverse of packLatents for an image of height x width pixels:
// (B, ceil(H/16) * ceil(W/16), C*4) -> (B, C, 2*ceil(H/16), 2*ceil(W/16)).
torch::Tensor unpackLatents(const torch::Tensor& packed, int64_t height, int64_t width);

// Image position ids [0, row, col] for a latent grid of latentH x latentW
// (2x2 patches: rows latentH/2, cols latentW/2), float32:
// (batch, latentH/2 * latentW/2, 3).
torch::Tensor makeImageIds(int64_t batch, int64_t latentH, int64_t latentW,
                           torch::Device device = torch::kCPU);

// Text position ids: zeros, float32 (batch, textLength, 3).
torch::Tensor makeTextIds(int64_t batch, int64_t textLength, torch::Device device = torch::kCPU);

// x (1 or batch, ...) -> (batch, ...): a leading 1 is repeated, like
// prepare() does for the text conditioning.
torch::Tensor repeatToBatch(const torch::Tensor& x, int64_t batch);

}  // namespace fd
