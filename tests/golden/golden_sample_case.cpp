// kind "sample": the whole text-to-image path with stubbed text encoders,
// through the engine's public call: sampleLatents (noise from seed, packing,
// schedule, Euler loop, unpack), then AutoEncoder::decode and imageToRgb8.
// Every parameter the case states (dtype, seeds, size, steps, shift,
// guidance, samples per seed) is passed on. Each seed runs alone, like the
// reference CLI; then all seeds run again as one batch.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

#include "golden/golden_case_io.h"
#include "golden/golden_registry.h"
#include "models/autoencoder.h"
#include "pipeline/image_io.h"
#include "sampling/flux_sampler.h"
#include "support/test_paths.h"
#include "tensor/weight_loading.h"
#include "weights/weight_map.h"

namespace fd::test {
namespace {

AutoEncoder loadGoldenAutoencoder(const GoldenCase& golden, const std::string& fileName) {
  const auto path = golden.dir / fileName;
  auto checkpoint = Checkpoint::open(path.string());
  if (!checkpoint) throw std::runtime_error(checkpoint.error().message);
  auto weights = mapAutoencoder(checkpoint.value());
  if (!weights) throw std::runtime_error(path.string() + ": " + weights.error().message);
  auto params =
      detectAutoencoderParams(weights.value(), goldenModelConfig(golden, "autoencoder_params"));
  if (!params) throw std::runtime_error(path.string() + ": " + params.error().message);
  AutoEncoder ae(params.value());
  auto status = loadModuleWeights(*ae, weights.value(), torch::kFloat32, torch::kCPU);
  if (!status) throw std::runtime_error(path.string() + ": " + status.error().message);
  return ae;
}

torch::ScalarType noiseDtype(const GoldenCase& golden, torch::ScalarType caseType) {
  const std::string name = golden.config.value("noise_dtype", std::string());
  if (name.empty()) return caseType;
  if (name == "float32") return torch::kFloat32;
  if (name == "bfloat16") return torch::kBFloat16;
  throw std::runtime_error(golden.name + "/config.json: unknown noise_dtype '" + name + "'");
}

SamplingOptions optionsFromConfig(const GoldenCase& golden) {
  const auto& cfg = golden.config;
  SamplingOptions options;
  options.width = cfg.at("width").get<int>();
  options.height = cfg.at("height").get<int>();
  options.steps = cfg.at("num_steps").get<int>();
  options.shift = cfg.at("shift").get<bool>();
  options.guidance = cfg.at("guidance").get<double>();
  options.dtype = caseDtype(golden);
  options.noiseDtype = noiseDtype(golden, options.dtype);
  options.imagesPerSeed = cfg.value("num_samples_per_seed", 1);
  options.device = torch::kCPU;
  return options;
}

struct StepRecord {
  torch::Tensor timestepVec, prediction, latent;
};

torch::Tensor scheduleTensor(const std::vector<double>& values) {
  auto out = torch::empty({static_cast<int64_t>(values.size())}, torch::kFloat32);
  for (size_t i = 0; i < values.size(); ++i) out[static_cast<int64_t>(i)] = values[i];
  return out;
}

void checkOneSeed(GoldenChecker& checker, const GoldenTensors& tensors, FluxModel& model,
                  AutoEncoder& ae, const TextConditioning& text, SamplingOptions options,
                  uint64_t seed, bool firstSeed) {
  options.seeds = {seed};
  const std::string prefix = "seed" + std::to_string(seed) + ".";

  // The inputs sampleLatents builds, against the reference's prepare().
  auto prepared = prepareSampling(text, options);
  ASSERT_TRUE(prepared) << prepared.error().message;
  const auto& in = prepared.value();
  if (tensors.has(prefix + "noise"))  // an input of the case: our draw must equal it bit for bit
    checker.compare(prefix + "noise (getNoise == stored)", in.noise, tensors.get(prefix + "noise"),
                    {0, 0});
  checker.checkIfExpected(prefix + "img", in.img);
  checker.checkIfExpected(prefix + "img_ids", in.imgIds);
  checker.checkIfExpected(prefix + "txt_batched", in.txt);
  checker.checkIfExpected(prefix + "vec_batched", in.vec);
  if (firstSeed) {
    checker.checkIfExpected("timesteps", scheduleTensor(in.timesteps));
    checker.checkIfExpected("txt_ids", in.txtIds);
  }

  std::vector<StepRecord> steps;
  auto latent = sampleLatents(model, text, options, [&](const StepInfo& info) {
    steps.push_back({info.timestepVec, info.prediction, info.packedLatent});
    return true;
  });
  ASSERT_TRUE(latent) << latent.error().message;
  ASSERT_EQ(static_cast<int>(steps.size()), options.steps);
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::string step = std::to_string(i + 1);
    checker.checkIfExpected(prefix + "t_vec_step" + step, steps[i].timestepVec);
    checker.checkIfExpected(prefix + "pred_step" + step, steps[i].prediction);
    checker.checkIfExpected(prefix + "latent_after_step" + step, steps[i].latent);
  }
  checker.checkIfExpected(prefix + "final_packed_latent", steps.back().latent);
  checker.checkIfExpected(prefix + "unpacked_latent", latent.value());

  const auto decoded = ae->decode(latent.value());
  checker.checkIfExpected(prefix + "decoded", decoded);
  const auto image = imageToRgb8(decoded);  // (n, H, W, 3)
  checker.checkIfExpected(prefix + "image_uint8", image);

  // The lossless PNG the reference saved (image 0 of the seed). A case
  // without them says so ("saved_png": false); otherwise a missing file is
  // a failure, not a comparison quietly skipped.
  if (!checker.goldenCase().config.value("saved_png", true)) return;
  const auto png = checker.goldenCase().dir / ("sample_" + std::to_string(seed) + ".png");
  EXPECT_TRUE(std::filesystem::exists(png))
      << png.string() << " is missing (a case without PNGs states \"saved_png\": false)";
  if (std::filesystem::exists(png)) {
    auto decodedPng = readImageFile(png.string());
    ASSERT_TRUE(decodedPng) << decodedPng.error().message;
    auto pixels = torch::from_blob(decodedPng->rgb.data(),
                                   {1, decodedPng->height, decodedPng->width, 3}, torch::kUInt8)
                      .clone();
    auto tolerance = findTolerance(checker.goldenCase(), prefix + "image_uint8");
    checker.compare(png.filename().string(), image.slice(0, 0, 1), pixels,
                    tolerance.value_or(Tolerance{1, 0}));
  }
}

void runSample(const GoldenCase& golden) {
  const auto tensors = GoldenTensors::open(golden.dir / "tensors.safetensors");
  GoldenChecker checker(golden, tensors);
  const auto options = optionsFromConfig(golden);
  const auto seeds = golden.config.at("seeds").get<std::vector<uint64_t>>();
  ASSERT_FALSE(seeds.empty()) << golden.name << ": no seeds";

  auto model = loadGoldenFlux(golden, "weights.safetensors", options.dtype);
  if (golden.config.contains("guidance_used_by_model")) {
    EXPECT_EQ(model->params().guidance_embed, golden.config["guidance_used_by_model"].get<bool>());
  }
  auto ae = loadGoldenAutoencoder(golden, "ae_weights.safetensors");
  const TextConditioning text{tensors.get("txt"), tensors.get("vec")};

  for (size_t i = 0; i < seeds.size(); ++i)
    checkOneSeed(checker, tensors, model, ae, text, options, seeds[i], i == 0);
  checker.expectAllExpectedOutputsChecked();

  // One batch with every seed must give each seed's images.
  const int64_t perSeed = options.imagesPerSeed;
  if (seeds.size() > 1) {
    auto batched = options;
    batched.seeds = seeds;
    auto latent = sampleLatents(model, text, batched);
    ASSERT_TRUE(latent) << latent.error().message;
    const auto images = imageToRgb8(ae->decode(latent.value()));
    for (size_t i = 0; i < seeds.size(); ++i) {
      const std::string prefix = "seed" + std::to_string(seeds[i]) + ".";
      const auto rows = [&](const torch::Tensor& t) {
        return t.slice(0, i * perSeed, (i + 1) * perSeed);
      };
      if (auto tol = findTolerance(golden, prefix + "unpacked_latent"))
        checker.check(prefix + "unpacked_latent", rows(latent.value()), *tol,
                      " [all seeds in one batch]");
      if (auto tol = findTolerance(golden, prefix + "image_uint8"))
        checker.check(prefix + "image_uint8", rows(images), *tol, " [all seeds in one batch]");
    }
  }

  // The same case in bfloat16 (model and latents; noise as the case states),
  // each seed, against the stored float32 result: 4 steps of bf16
  // accumulate more than one forward pass but stay inside bf16RerunTolerance
  // (sample_schnell: 0.29 and 0.27 for atol 0.37 and 0.38).
  if (options.dtype == torch::kFloat32) {
    auto model16 = loadGoldenFlux(golden, "weights.safetensors", torch::kBFloat16);
    for (uint64_t seed : seeds) {
      auto options16 = options;
      options16.dtype = torch::kBFloat16;
      options16.seeds = {seed};
      auto latent16 = sampleLatents(model16, text, options16);
      ASSERT_TRUE(latent16) << latent16.error().message;
      const std::string prefix = "seed" + std::to_string(seed) + ".";
      checker.check(prefix + "unpacked_latent", latent16.value(),
                    bf16RerunTolerance(tensors.get(prefix + "unpacked_latent")), " [bfloat16 run]");
      const auto image16 = imageToRgb8(ae->decode(latent16.value())).to(torch::kFloat32);
      const auto image = tensors.get(prefix + "image_uint8").to(torch::kFloat32);
      std::printf("[golden] %-28s %-42s mean |diff| %.2f levels, max %.0f (info)\n",
                  golden.name.c_str(), (prefix + "image_uint8 [bfloat16 run]").c_str(),
                  (image16 - image).abs().mean().item<double>(),
                  (image16 - image).abs().max().item<double>());
    }
  }
}

}  // namespace

FD_GOLDEN_KIND("sample", runSample);

}  // namespace fd::test
