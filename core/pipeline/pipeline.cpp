// Pipeline: the one engine call the GUI, the HTTP API and the CLI use. Loads
// a model once, then turns requests into images: validate -> encode text
// (cached) -> sample latents (cancellable between steps) -> decode -> RGB8.
// No exception crosses this file's public functions.
#include "pipeline/pipeline.h"

#include <chrono>
#include <random>

#include "lora/lora_apply.h"
#include "models/autoencoder.h"
#include "pipeline/device_selection.h"
#include "pipeline/host_memory.h"
#include "pipeline/memory_stats.h"
#include "pipeline/model_loader.h"
#include "pipeline/pipeline_errors.h"
#include "pipeline/request_validation.h"
#include "pipeline/source_image.h"
#include "pipeline/text_conditioner.h"
#include "sampling/flux_sampler.h"
#include "sampling/latent_preview.h"
#include "tensor/torch_setup.h"

namespace fd {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

ModelInfo describeModel(const LoadedModels& m, const Placement& placement) {
  ModelInfo info;
  info.guidanceDistilled = m.flux->params().guidance_embed;
  info.ownedBy = "black-forest-labs";
  if (m.card) {
    info.name = m.card->name;
    info.id = m.card->id;
    if (!m.card->ownedBy.empty()) info.ownedBy = m.card->ownedBy;
    info.description = m.card->description;
    info.randomWeights = m.card->randomWeights;
  } else if (info.guidanceDistilled) {
    info.name = "FLUX.1-dev";
    info.id = "black-forest-labs/FLUX.1-dev";
  } else {
    info.name = "FLUX.1-schnell";
    info.id = "black-forest-labs/FLUX.1-schnell";
  }
  // schnell is timestep-distilled for 1-4 steps; dev samples like a
  // regular flow model (the reference CLI defaults to 50, diffusers to 28).
  info.defaultSteps = info.guidanceDistilled ? 28 : 4;
  info.maxSteps = info.guidanceDistilled ? 100 : 4;
  info.device = deviceName(placement.device);
  info.deviceDescription = describeDevice(placement.device);
  info.dtype = dtypeName(placement.fluxDtype);
  if (placement.computeDtype(placement.fluxDtype) != placement.fluxDtype)
    info.dtype += " (" + dtypeName(placement.computeDtype(placement.fluxDtype)) + " compute)";
  info.dtypeReason = placement.dtypeReason;
  // Quantized / float8 transformers: the stored type and the compute dtype.
  for (const auto& report : m.reports)
    if (report.name == "transformer" && report.dtype != dtypeName(placement.fluxDtype))
      info.dtype = report.dtype + " (" + report.compute + " compute)";
  info.memoryMode = memoryModeName(placement.memory);
  info.memoryReason = placement.memoryReason;
  info.components = m.reports;
  return info;
}

// GPU kernels run asynchronously: wait for them so stage times are real.
void syncIfCuda(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize();
}

}  // namespace

struct Pipeline::Impl {
  Placement placement;
  LoadedModels models;
  ModelInfo info;
  std::unique_ptr<TextConditioner> text;
  std::vector<LoraSpec> appliedLoras;  // on the transformer now
  LoraReport appliedReport;

  // Puts the request's LoRAs on the transformer (nothing to do when they
  // are the ones already there). On failure the transformer is the base.
  Status useLoras(const std::vector<LoraSpec>& loras);
  Result<GenerationResult> run(const GenerationRequest& request, const ProgressCallback& progress,
                               const CancelCheck& cancel, FailureContext& context);
};

Status Pipeline::Impl::useLoras(const std::vector<LoraSpec>& loras) {
  if (loras == appliedLoras) return Status::success();
  clearLoras(*models.flux);
  appliedLoras.clear();
  appliedReport = {};
  if (loras.empty()) return Status::success();
  auto report = applyLoras(*models.flux, loras);
  if (!report) return report.error();
  appliedLoras = loras;
  appliedReport = std::move(*report);
  return Status::success();
}

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pipeline::~Pipeline() = default;

const ModelInfo& Pipeline::info() const { return impl_->info; }

Result<std::unique_ptr<Pipeline>> Pipeline::load(const ModelLocation& location,
                                                 const EngineOptions& options,
                                                 const ProgressCallback& progress) {
  try {
    configureTorchThreads(options.cpuThreads);
    auto placement = choosePlacement(options);
    if (!placement) return placement.error();
    if (!placement->device.is_cuda()) keepFreedHostMemoryForReuse();
    auto models = loadModels(location, *placement, options.memory, progress);
    if (!models) return models.error();

    auto impl = std::make_unique<Impl>();
    impl->placement = *placement;
    impl->models = std::move(models.value());
    impl->info = describeModel(impl->models, impl->placement);
    const int t5MaxLength = impl->info.guidanceDistilled ? 512 : 256;
    impl->text = std::make_unique<TextConditioner>(impl->models, impl->placement, t5MaxLength);
    return std::unique_ptr<Pipeline>(new Pipeline(std::move(impl)));
  } catch (const std::exception& e) {
    return errorFromException(e, FailureContext{"loading the model", "", options.memory, ""});
  } catch (...) {
    return makeError(ErrorKind::Internal, "unknown failure while loading the model");
  }
}

Status Pipeline::validate(const GenerationRequest& request) const {
  return validateRequest(request, impl_->info);
}

Result<GenerationResult> Pipeline::generate(const GenerationRequest& request,
                                            const ProgressCallback& progress,
                                            const CancelCheck& cancel) {
  if (auto s = validate(request); !s) return s.error();
  FailureContext context;
  context.device = impl_->info.device;
  context.memory = impl_->placement.memory;
  context.request = std::to_string(request.width) + "x" + std::to_string(request.height) + ", " +
                    std::to_string(request.count) + (request.count == 1 ? " image" : " images");
  Result<GenerationResult> result = makeError(ErrorKind::Internal, "not run");
  try {
    result = impl_->run(request, progress, cancel, context);
  } catch (const std::exception& e) {
    result = errorFromException(e, context);
  } catch (...) {
    result = makeError(ErrorKind::Internal, "unknown engine failure while " + context.stage);
  }
  if (!result.ok() && result.error().kind == ErrorKind::OutOfMemory) {
    // The request's tensors are gone by now: hand the GPU memory back so a
    // smaller request (or another memory mode) can run.
    impl_->text->clearCache();
    releaseCachedGpuMemory();
  }
  return result;
}

Result<GenerationResult> Pipeline::Impl::run(const GenerationRequest& request,
                                             const ProgressCallback& progress,
                                             const CancelCheck& cancel, FailureContext& context) {
  torch::NoGradGuard noGrad;
  const auto start = Clock::now();
  auto report = [&](Progress p) {
    if (progress) progress(p);
  };
  auto cancelled = [&] { return cancel && cancel(); };
  auto cancelledError = [](const std::string& when) {
    return makeError(ErrorKind::Cancelled, "generation cancelled " + when);
  };

  GenerationResult result;
  result.request = request;
  result.request.steps = effectiveSteps(request, info);
  if (!result.request.seed) result.request.seed = std::random_device{}();  // reported in the result
  if (info.guidanceDistilled && !result.request.guidance) result.request.guidance = 3.5;
  result.modelName = info.name;
  const uint64_t seed = *result.request.seed;
  if (cancelled()) return cancelledError("before it started");

  // Text.
  context.stage = "encoding the prompt";
  Progress textProgress;
  textProgress.stage = Stage::EncodingText;
  textProgress.message = "encoding the prompt";
  report(textProgress);
  auto textStart = Clock::now();
  auto encoded = text->encode(request.prompt);
  if (!encoded) return encoded.error();
  syncIfCuda(placement.device);
  result.times.textSeconds = secondsSince(textStart);
  result.prompt = encoded->report;
  result.textCacheHit = encoded->cacheHit;
  if (cancelled()) return cancelledError("after encoding the prompt");

  context.stage = "applying the LoRAs";
  if (auto s = useLoras(request.loras); !s) return s.error();
  result.loras = appliedReport;

  // Denoising: the whole batch at once, image i with seed + i.
  context.stage = "denoising";
  SamplingOptions sampling;
  sampling.width = request.width;
  sampling.height = request.height;
  for (int i = 0; i < request.count; ++i) sampling.seeds.push_back(seed + uint64_t(i));
  sampling.steps = result.request.steps;
  sampling.shift = info.guidanceDistilled;  // dev: resolution-dependent shift; schnell: none
  sampling.guidance = result.request.guidance.value_or(3.5);
  sampling.dtype = placement.computeDtype(placement.fluxDtype);
  // Noise is drawn in the weights' dtype, as the reference CLI does (bf16):
  // the same seed gives the same start whatever the CPU computes in.
  sampling.noiseDtype = placement.fluxDtype;
  sampling.device = placement.device;

  // Image-to-image / inpainting: the input, scaled and cropped to the
  // request's size, encoded once for the whole batch.
  std::optional<PreparedSource> source;
  if (request.source) {
    context.stage = "encoding the input image";
    if (!models.autoencoder->params().has_encoder)
      return makeError(ErrorKind::ModelInvalid,
                       "this model's autoencoder file holds only the decoder; image-to-image and "
                       "inpainting need "
                       "the full autoencoder (ae.safetensors or the diffusers vae folder)");
    Progress encoding;
    encoding.stage = Stage::EncodingText;
    encoding.message = "encoding the input image";
    report(encoding);
    source = prepareSource(*request.source, request.width, request.height,
                           models.autoencoder->downsamplingFactor());
    sampling.imageLatent =
        models.autoencoder->encode(source->image).to(torch::kFloat32);  // (1, 16, H/8, W/8)
    sampling.strength = effectiveStrength(request);
    sampling.latentMask = source->latentMask;  // (1, 1, H/8, W/8) or undefined
    result.request.strength = sampling.strength;
    if (cancelled()) return cancelledError("after encoding the input image");
    context.stage = "denoising";
  }
  auto onStep = [&](const StepInfo& step) {
    result.times.stepSeconds.push_back(step.seconds);
    if (progress) {
      Progress p;
      p.stage = Stage::Denoising;
      p.step = step.step;
      p.totalSteps = step.totalSteps;
      p.stepSeconds = step.seconds;
      p.fraction = double(step.step) / double(step.totalSteps);
      p.message = "step " + std::to_string(step.step) + " of " + std::to_string(step.totalSteps);
      // The preview shows where the step is heading (x0), not the noisy latent.
      const auto denoised =
          denoisedEstimate(step.packedLatent, step.prediction, step.tPrev);  // (B, L_img, 64)
      p.preview = std::make_shared<LatentPreview>(latentPreview(denoised, step.width, step.height));
      progress(p);
    }
    return !cancelled();
  };
  auto latents =
      sampleLatents(models.flux, encoded->conditioning, sampling, onStep);  // (B, 16, H/8, W/8)
  if (!latents) {
    if (latents.error().kind == ErrorKind::OutOfMemory) return outOfMemoryError(context);
    return latents.error();
  }

  // Decoding, one image at a time: the decoder's full-size activations are
  // the largest tensors of the whole request.
  context.stage = "decoding";
  const auto decodeStart = Clock::now();
  for (int i = 0; i < request.count; ++i) {
    if (cancelled()) return cancelledError("while decoding");
    Progress p;
    p.stage = Stage::Decoding;
    p.step = i + 1;
    p.totalSteps = request.count;
    p.fraction = double(i) / double(request.count);
    p.message = "decoding image " + std::to_string(i + 1) + " of " + std::to_string(request.count);
    report(p);
    auto z = latents->slice(0, i, i + 1)
                 .to(placement.computeDtype(placement.autoencoderDtype));  // (1, 16, H/8, W/8)
    auto rgb = imageToRgb8(models.autoencoder->decode(z));                 // (1, H, W, 3) uint8 CPU
    GeneratedImage image;
    image.width = int(rgb.size(2));
    image.height = int(rgb.size(1));
    image.seed = seed + uint64_t(i);
    const auto* bytes = rgb.data_ptr<uint8_t>();
    image.rgb.assign(bytes, bytes + rgb.numel());
    if (source)
      keepUnmaskedPixels(image.rgb, *source);  // inpainting: outside the mask, the input exactly
    result.images.push_back(std::move(image));
  }
  syncIfCuda(placement.device);
  result.times.decodeSeconds = secondsSince(decodeStart);
  result.times.totalSeconds = secondsSince(start);

  Progress done;
  done.stage = Stage::Done;
  done.fraction = 1.0;
  done.message = "done";
  report(done);
  return result;
}

}  // namespace fd
