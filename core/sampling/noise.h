#pragma once
// Starting noise exactly as the reference draws it (flux.sampling.get_noise):
// torch.randn on a CPU generator seeded with `seed`, drawn directly in the
// requested dtype, so a seed gives the same image as the official code.

#include <torch/torch.h>

#include <cstdint>

namespace fd {

// (numSamples, 16, 2*ceil(height/16), 2*ceil(width/16)) on the CPU; height
// and width in pixels. Note: on CPU, bfloat16 noise is not float32 noise
// rounded to bf16 (the generator draws differently per dtype).
torch::Tensor getNoise(uint64_t seed, int64_t height, int64_t width, torch::ScalarType dtype,
                       int64_t numSamples = 1);

// Latent side (16-channel grid) for a pixel size: 2 * ceil(pixels / 16).
int64_t latentSide(int64_t pixels);

}  // namespace fd
