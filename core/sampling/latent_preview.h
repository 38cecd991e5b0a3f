#pragma once
// A cheap per-step preview: packed latents mapped to RGB by a fixed
// 16 -> 3 linear approximation of the FLUX autoencoder (one pixel per
// latent cell, i.e. an eighth of the image size). No decoder run.

#include <torch/torch.h>

#include "sampling/preview_image.h"

namespace fd {

// packed (B, L_img, 64) of a width x height (pixels) image ->
// LatentPreview of B images of (2*ceil(W/16)) x (2*ceil(H/16)) pixels, RGB8.
LatentPreview latentPreview(const torch::Tensor& packed, int width, int height);

// The sampler's estimate of the clean latent after a step that went to
// time t: x0 = x_t - t * v (rectified flow: x_t = (1 - t) x0 + t noise and
// the model predicts v = noise - x0). Previews of it show the picture the
// step is heading for instead of noise. Float32, same shape.
torch::Tensor denoisedEstimate(const torch::Tensor& packedAfterStep,
                               const torch::Tensor& prediction, double t);

}  // namespace fd
