#pragma once
// The input picture of an image-to-image or inpainting request, brought to
// the request's size: scaled (bilinear, antialiased, keeping its aspect
// ratio) until it covers width x height, then the middle cropped out, as
// "fill" modes of image tools do; the mask goes through the same geometry
// (nearest neighbour, so it stays binary) and is also brought down to the
// latent grid, as diffusers' FluxInpaintPipeline does (nearest).

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "pipeline/pipeline.h"

namespace fd {

struct PreparedSource {
  torch::Tensor image;  // (1, 3, H, W) float32 in [-1, 1], CPU
  // (1, 1, H/f, W/f) float32, 1 = repaint, 0 = keep; undefined for img2img
  torch::Tensor latentMask;
  std::vector<uint8_t> rgb;   // H*W*3: the scaled and cropped input, for compositing
  std::vector<uint8_t> mask;  // H*W: 1 = repaint, 0 = keep; empty for img2img
};

// `latentFactor`: pixels per latent cell (8 for FLUX).
PreparedSource prepareSource(const SourceImage& source, int width, int height,
                             int64_t latentFactor);

// Inpainting's last step: every pixel outside the mask becomes the input's
// pixel exactly (the autoencoder's round trip would otherwise change it).
void keepUnmaskedPixels(std::vector<uint8_t>& rgb, const PreparedSource& source);

}  // namespace fd
