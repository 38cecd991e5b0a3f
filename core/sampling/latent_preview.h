#pragma once
// A cheap per-step preview: the packed latent of image 0 mapped to RGB by a
// fixed 16 -> 3 linear approximation of the FLUX autoencoder (one pixel per
// latent cell, i.e. an eighth of the image size). No decoder run.

#include <torch/torch.h>

#include "pipeline/pipeline.h"

namespace fd {

// packed (B, L_img, 64) of a width x height (pixels) image ->
// LatentPreview of (2*ceil(W/16)) x (2*ceil(H/16)) pixels, RGB8.
LatentPreview latentPreview(const torch::Tensor& packed, int width, int height);

}  // namespace fd
