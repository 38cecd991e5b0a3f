#pragma once
// The public engine call that turns text conditioning into latents: noise
// per seed -> 2x2 packing -> schedule -> Euler flow-matching loop -> unpack.
// Used by the pipeline (and by the golden test, through the same call).

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "common/result.h"
#include "models/flux_model.h"

namespace fd {

struct TextConditioning {
  torch::Tensor txt;  // (1 or B, L_txt, context_in_dim): T5 output
  torch::Tensor vec;  // (1 or B, vec_in_dim): pooled CLIP output
};

struct SamplingOptions {
  int width = 1024, height = 1024;  // pixels
  std::vector<uint64_t> seeds;      // one image per seed, each seed's noise drawn alone
  int steps = 4;
  bool shift = false;                         // dev: resolution-dependent schedule shift
  double guidance = 3.5;                      // passed always; used by guidance-distilled models
  torch::ScalarType dtype = torch::kFloat32;  // latent / model input dtype
  torch::ScalarType noiseDtype = torch::kFloat32;  // dtype the noise is drawn in (CLI: bf16)
  torch::Device device = torch::kCPU;
  int imagesPerSeed = 1;  // get_noise(num_samples=imagesPerSeed) per seed

  // Image-to-image (diffusers' FluxImg2ImgPipeline): the encoded input
  // image (1, 16, h, w) in the sampler's latent space (scale_factor *
  // (mean - shift_factor)); undefined for text-to-image. The loop starts at
  // the first kept timestep t of the normal schedule (img2imgFirstStep) from
  // t * noise + (1 - t) * imageLatent, with the same noise text-to-image
  // draws for the seed, so strength 1 is text-to-image exactly.
  torch::Tensor imageLatent;
  double strength = 1.0;
  // Inpainting (FluxInpaintPipeline): (1, 1, h, w) on the latent grid, 1 =
  // repaint, 0 = keep. After each step the kept area is the input's latent
  // noised to the next timestep (at the end: the input's latent itself).
  torch::Tensor latentMask;
};

struct StepInfo {
  int step;  // 1-based
  int totalSteps;
  double seconds;                     // wall time of this step
  const torch::Tensor& packedLatent;  // (B, L_img, 64) after this step
  int width, height;                  // pixels
  // What the step used, for tracing (golden tests) and diagnostics:
  const torch::Tensor& prediction;   // model output (B, L_img, 64)
  const torch::Tensor& timestepVec;  // t passed to the model (B,)
  double tCurr, tPrev;               // this step goes from tCurr to tPrev
};
// Return false to stop: sampleLatents then returns ErrorKind::Cancelled.
// Called after every step (so cancel is checked between steps).
using StepCallback = std::function<bool(const StepInfo&)>;

// Everything the loop feeds the model, built once per call (exposed so the
// golden test can compare it with the reference's prepare()).
struct PreparedInputs {
  torch::Tensor noise;            // (B, 16, h, w) as drawn, noiseDtype, CPU
  torch::Tensor img;              // (B, L_img, 64) packed noise, options.dtype, device
  torch::Tensor imgIds;           // (B, L_img, 3) float32
  torch::Tensor txt;              // (B, L_txt, ctx) options.dtype
  torch::Tensor txtIds;           // (B, L_txt, 3) float32 zeros
  torch::Tensor vec;              // (B, vec_in_dim) options.dtype
  std::vector<double> timesteps;  // steps + 1 values, 1 -> 0
  int firstStep = 0;              // image-to-image: timesteps before this index are skipped
  torch::Tensor imageLatent;      // (B, L_img, 64) packed input latent, or undefined
  torch::Tensor packedNoise;      // (B, L_img, 64) the noise as drawn (image-to-image only)
  torch::Tensor latentMask;       // (B, L_img, 64) packed inpainting mask, or undefined
};
Result<PreparedInputs> prepareSampling(const TextConditioning& text,
                                       const SamplingOptions& options);

// Returns the unpacked latent (B, 16, H/8, W/8) in float32 on options.device,
// or an Error: BadRequest (options / conditioning), Cancelled, OutOfMemory,
// Internal.
Result<torch::Tensor> sampleLatents(FluxModel& model, const TextConditioning& text,
                                    const SamplingOptions& options,
                                    const StepCallback& onStep = {});

}  // namespace fd
