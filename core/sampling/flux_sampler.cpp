#include "sampling/flux_sampler.h"

#include <chrono>
#include <new>
#include <string>

#include "common/out_of_memory.h"
#include "sampling/latent_packing.h"
#include "sampling/noise.h"
#include "sampling/schedule.h"

namespace fd {

namespace {

Error badRequest(const std::string& message) {
  return makeError(ErrorKind::BadRequest, "sampling: " + message);
}

Status checkOptions(const TextConditioning& text, const SamplingOptions& options) {
  if (options.width <= 0 || options.height <= 0)
    return badRequest("image size " + std::to_string(options.width) + "x" +
                      std::to_string(options.height) + " is not positive");
  if (options.seeds.empty()) return badRequest("no seeds given (one image per seed)");
  if (options.imagesPerSeed < 1) return badRequest("imagesPerSeed must be at least 1");
  if (options.steps < 1)
    return badRequest("steps must be at least 1, got " + std::to_string(options.steps));
  const int64_t batch = static_cast<int64_t>(options.seeds.size()) * options.imagesPerSeed;
  if (!text.txt.defined() || text.txt.dim() != 3)
    return badRequest("text conditioning txt must be (B, L, channels)");
  if (!text.vec.defined() || text.vec.dim() != 2)
    return badRequest("text conditioning vec must be (B, channels)");
  for (const auto* t : {&text.txt, &text.vec})
    if (t->size(0) != 1 && t->size(0) != batch)
      return badRequest("text conditioning has batch " + std::to_string(t->size(0)) + " for " +
                        std::to_string(batch) + " images (must be 1 or " + std::to_string(batch) +
                        ")");
  if (text.txt.size(0) != text.vec.size(0) && text.txt.size(0) != 1 && text.vec.size(0) != 1)
    return badRequest("txt and vec disagree on the batch size");
  return Status::success();
}

// A clean latent brought to timestep t with the given noise (the
// scheduler's scale_noise, sigma = t).
torch::Tensor noiseTo(const torch::Tensor& clean, const torch::Tensor& noise, double t) {
  return noise * t + clean * (1.0 - t);
}

}  // namespace

Result<PreparedInputs> prepareSampling(const TextConditioning& text,
                                       const SamplingOptions& options) {
  if (auto status = checkOptions(text, options); !status) return status.error();
  try {
    torch::NoGradGuard noGrad;
    PreparedInputs in;
    // Each seed's noise is drawn alone, as the reference CLI samples one seed at a time.
    std::vector<torch::Tensor> noises;
    for (uint64_t seed : options.seeds)
      noises.push_back(
          getNoise(seed, options.height, options.width, options.noiseDtype, options.imagesPerSeed));
    in.noise = noises.size() == 1 ? noises[0] : torch::cat(noises, 0);  // (B, 16, h, w)
    const int64_t batch = in.noise.size(0);
    const auto latentOptions = torch::TensorOptions().dtype(options.dtype).device(options.device);
    in.img = packLatents(in.noise).to(latentOptions);  // (B, L_img, 64)
    in.imgIds = makeImageIds(batch, in.noise.size(2), in.noise.size(3), options.device);
    in.txt = repeatToBatch(text.txt, batch).to(latentOptions);
    in.txtIds = makeTextIds(batch, in.txt.size(1), options.device);
    in.vec = repeatToBatch(text.vec, batch).to(latentOptions);
    in.timesteps = getSchedule(options.steps, in.img.size(1), options.shift);
    if (options.imageLatent.defined()) {
      const auto expected =
          std::vector<int64_t>{1, in.noise.size(1), in.noise.size(2), in.noise.size(3)};
      if (options.imageLatent.sizes().vec() != expected)
        return badRequest("the input image's latent has the wrong shape for this size");
      in.firstStep = img2imgFirstStep(options.steps, options.strength);
      if (in.firstStep >= options.steps)
        return badRequest("strength " + std::to_string(options.strength) +
                          " leaves no denoising step of " + std::to_string(options.steps));
      // Packed like the noise, one copy per image: (B, L_img, 64).
      in.imageLatent = packLatents(options.imageLatent.to(torch::kFloat32))
                           .expand({batch, -1, -1})
                           .to(latentOptions)
                           .contiguous();
      const double t = in.timesteps[size_t(in.firstStep)];
      in.packedNoise = in.img;
      // Strength 1 starts at t = 1: the noise itself, untouched (bitwise text-to-image).
      if (in.firstStep > 0) in.img = noiseTo(in.imageLatent, in.img, t);
      if (options.latentMask.defined()) {
        auto mask = options.latentMask.to(torch::kFloat32)
                        .expand({1, in.noise.size(1), -1, -1});  // (1, 16, h, w)
        in.latentMask = packLatents(mask)
                            .expand({batch, -1, -1})
                            .to(latentOptions)
                            .contiguous();  // (B, L_img, 64)
      }
    }
    return in;
  } catch (const std::bad_alloc&) {
    return makeError(ErrorKind::OutOfMemory, "sampling: out of memory while preparing the inputs");
  } catch (const std::exception& e) {
    const std::string what = e.what();
    return makeError(isOutOfMemoryMessage(what) ? ErrorKind::OutOfMemory : ErrorKind::Internal,
                     "sampling: preparing the inputs failed: " + what);
  }
}

Result<torch::Tensor> sampleLatents(FluxModel& model, const TextConditioning& text,
                                    const SamplingOptions& options, const StepCallback& onStep) {
  if (model.is_empty()) return makeError(ErrorKind::Internal, "sampling: no transformer loaded");
  if (text.txt.defined() && text.txt.dim() == 3 &&
      text.txt.size(2) != model->params().context_in_dim)
    return badRequest("text conditioning txt has " + std::to_string(text.txt.size(2)) +
                      " channels, the transformer expects " +
                      std::to_string(model->params().context_in_dim));
  if (text.vec.defined() && text.vec.dim() == 2 && text.vec.size(1) != model->params().vec_in_dim)
    return badRequest("text conditioning vec has " + std::to_string(text.vec.size(1)) +
                      " channels, the transformer expects " +
                      std::to_string(model->params().vec_in_dim));
  auto prepared = prepareSampling(text, options);
  if (!prepared) return prepared.error();
  const PreparedInputs& in = prepared.value();
  try {
    torch::NoGradGuard noGrad;
    const int64_t batch = in.img.size(0);
    auto img = in.img;
    // The guidance vector is always passed; models without a guidance embedding ignore it.
    const auto guidanceVec = torch::full({batch}, options.guidance, img.options());
    // Steps are reported counted from the first one run (image-to-image skips some).
    const int runSteps = options.steps - in.firstStep;
    for (int i = in.firstStep; i < options.steps; ++i) {
      const auto start = std::chrono::steady_clock::now();
      const double tCurr = in.timesteps[i], tPrev = in.timesteps[i + 1];
      const auto tVec = torch::full({batch}, tCurr, img.options());  // (B,)
      const auto pred =
          model->forward(img, in.imgIds, in.txt, in.txtIds, tVec, in.vec, guidanceVec);
      // Euler step; the difference is taken in double and applied in img's dtype.
      img = img + pred * (tPrev - tCurr);
      if (in.latentMask.defined()) {
        // Inpainting: outside the mask, the input noised to where this step arrived.
        const auto kept = noiseTo(in.imageLatent, in.packedNoise, tPrev);
        img = kept * (1.0 - in.latentMask) + img * in.latentMask;  // (B, L_img, 64)
      }
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (onStep) {
        const int step = i - in.firstStep + 1;
        const StepInfo info{step,           runSteps, seconds, img,   options.width,
                            options.height, pred,     tVec,    tCurr, tPrev};
        if (!onStep(info))
          return makeError(ErrorKind::Cancelled, "sampling cancelled after step " +
                                                     std::to_string(step) + " of " +
                                                     std::to_string(runSteps));
      }
    }
    return unpackLatents(img.to(torch::kFloat32), options.height,
                         options.width);  // (B, 16, H/8, W/8)
  } catch (const c10::OutOfMemoryError& e) {
    return makeError(ErrorKind::OutOfMemory,
                     std::string("sampling: out of memory: ") + e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    return makeError(ErrorKind::OutOfMemory, "sampling: out of host memory");
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    return makeError(isOutOfMemoryMessage(what) ? ErrorKind::OutOfMemory : ErrorKind::Internal,
                     "sampling failed: " + what);
  } catch (const std::exception& e) {
    return makeError(ErrorKind::Internal, std::string("sampling failed: ") + e.what());
  }
}

}  // namespace fd
