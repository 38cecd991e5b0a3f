// kind "autoencoder": the FLUX autoencoder built from the case's weights the
// way the app builds it (Checkpoint -> mapAutoencoder ->
// detectAutoencoderParams -> AutoEncoder -> strict loadModuleWeights). Encodes
// `image`, decodes `z`, and compares the moments, posterior mean, latent,
// decoded image, reconstruction and every stored intermediate with config.json's
// tolerances. Float32 cases are re-run in bfloat16 (decoder and encoder) and
// compared with the float32 expectation (rule: bf16RerunTolerance).

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>
#include <stdexcept>
#include <string>

#include "golden/golden_case_io.h"
#include "golden/golden_registry.h"
#include "models/autoencoder.h"
#include "sampling/flux_sampler.h"
#include "sampling/noise.h"
#include "support/test_paths.h"
#include "tensor/weight_loading.h"
#include "weights/weight_map.h"

namespace fd::test {
namespace {

const std::string kIntermediatePrefix = "intermediate.";

// Shapes must give back what the reference was built with; the factors come
// from config.json's autoencoder_params through detectAutoencoderParams.
void expectStatedParams(const GoldenCase& golden, const AutoEncoderParams& got) {
  if (!golden.config.contains("autoencoder_params")) {
    ADD_FAILURE() << golden.name
                  << "/config.json states no autoencoder_params to check the detected ones against";
    return;
  }
  StatedParams stated(golden.name + " autoencoder_params", golden.config["autoencoder_params"]);
  stated.expect("in_channels", got.in_channels);
  stated.expect("ch", got.ch);
  stated.expect("out_ch", got.out_ch);
  stated.expect("ch_mult", got.ch_mult);
  stated.expect("num_res_blocks", got.num_res_blocks);
  stated.expect("z_channels", got.z_channels);
  stated.expect("resolution", got.resolution);
  stated.expect("scale_factor", got.scale_factor);
  stated.expect("shift_factor", got.shift_factor);
  EXPECT_TRUE(got.has_encoder);
}

AutoEncoder loadGoldenAutoencoder(const GoldenCase& golden, const std::string& fileName,
                                  torch::ScalarType dtype) {
  const auto path = golden.dir / fileName;
  auto checkpoint = Checkpoint::open(path.string());
  if (!checkpoint) throw std::runtime_error(checkpoint.error().message);
  auto weights = mapAutoencoder(checkpoint.value());
  if (!weights) throw std::runtime_error(path.string() + ": " + weights.error().message);
  auto params =
      detectAutoencoderParams(weights.value(), goldenModelConfig(golden, "autoencoder_params"));
  if (!params) throw std::runtime_error(path.string() + ": " + params.error().message);
  expectStatedParams(golden, params.value());

  AutoEncoder ae(params.value());
  auto status = loadModuleWeights(*ae, weights.value(), dtype, torch::kCPU);
  if (!status) throw std::runtime_error(path.string() + ": " + status.error().message);
  return ae;
}

void expectStatedSizes(const GoldenCase& golden, const torch::Tensor& image,
                       const torch::Tensor& z) {
  const auto& cfg = golden.config;
  auto expectSize = [&](const char* field, int64_t actual) {
    if (cfg.contains(field)) {
      EXPECT_EQ(actual, cfg[field].get<int64_t>()) << golden.name << ": " << field;
    }
  };
  expectSize("batch_size", image.size(0));
  expectSize("height", image.size(2));
  expectSize("width", image.size(3));
  if (cfg.contains("latent_hw")) {
    EXPECT_EQ(z.size(2), cfg["latent_hw"][0].get<int64_t>());
    EXPECT_EQ(z.size(3), cfg["latent_hw"][1].get<int64_t>());
  }
  if (cfg.contains("sample_z")) {
    // Only the deterministic path (posterior mean) is reproducible.
    EXPECT_FALSE(cfg["sample_z"].get<bool>()) << golden.name << ": sample_z=true is not supported";
  }
}

struct AutoencoderOutputs {
  torch::Tensor moments, posteriorMean, encoded, decoded, reconstruction;
  std::map<std::string, torch::Tensor> captured;  // names without "intermediate."
};

// Intermediates are captured during ae.encoder(image) and ae.decode(z) only,
// like the reference's hooks; the reconstruction runs without capture.
AutoencoderOutputs runAutoencoder(AutoEncoder& ae, const torch::Tensor& image,
                                  const torch::Tensor& z) {
  AutoencoderOutputs out;
  ae->setCapture(&out.captured);
  out.moments = ae->encoderMoments(image);  // (B, 2z, h, w)
  out.decoded = ae->decode(z);              // (B, 3, H, W)
  ae->setCapture(nullptr);
  out.posteriorMean = out.moments.narrow(1, 0, ae->params().z_channels);  // DiagonalGaussian mean
  out.encoded = ae->encode(image);                                        // (B, z, h, w)
  out.reconstruction = ae->decode(out.encoded);                           // (B, 3, H, W)
  return out;
}

// Image-to-image's start on this autoencoder: given the encoder's latent of
// the case's first image, strength 0.5 at 4 steps starts at t = 0.5
// (diffusers' t_start = int(4 - 4 * 0.5) = 2 of get_schedule(4)) from
// t * noise + (1 - t) * latent with the seed's text-to-image noise. The
// expected value is written out here (noise drawn, mixed and 2x2-packed by
// hand), not through the sampler's code.
void expectImageToImageStart(const GoldenCase& golden, const torch::Tensor& encoded) {
  const auto latent = encoded.slice(0, 0, 1).to(torch::kFloat32);  // (1, 16, h, w)
  const int64_t h = latent.size(2), w = latent.size(3);
  SamplingOptions options;
  options.height = int(h * 8);
  options.width = int(w * 8);
  options.seeds = {17};
  options.steps = 4;
  options.imageLatent = latent;
  options.strength = 0.5;
  const TextConditioning text{torch::zeros({1, 4, 8}), torch::zeros({1, 8})};  // shapes only
  auto in = prepareSampling(text, options);
  ASSERT_TRUE(in) << golden.name << ": " << in.error().message;
  EXPECT_EQ(in->firstStep, 2);
  EXPECT_DOUBLE_EQ(in->timesteps[2], 0.5);
  const auto noise =
      getNoise(17, options.height, options.width, torch::kFloat32, 1);  // (1, 16, h, w)
  const auto mixed = noise * 0.5 + latent * 0.5;                        // (1, 16, h, w)
  // "b c (h ph) (w pw) -> b (h w) (c ph pw)"
  const auto packed = mixed.view({1, 16, h / 2, 2, w / 2, 2})
                          .permute({0, 2, 4, 1, 3, 5})
                          .reshape({1, h * w / 4, 64});
  EXPECT_TRUE(torch::allclose(in->img, packed, 1e-6, 1e-6))
      << golden.name << ": img2img start, max |diff| "
      << (in->img - packed).abs().max().item<float>();
}

void runAutoencoderCase(const GoldenCase& golden) {
  const auto tensors = GoldenTensors::open(golden.dir / "tensors.safetensors");
  GoldenChecker checker(golden, tensors);
  const auto dtype = caseDtype(golden);
  const auto image = tensors.get("image");
  const auto z = tensors.get("z");
  expectStatedSizes(golden, image, z);

  auto ae = loadGoldenAutoencoder(golden, "weights.safetensors", dtype);
  auto out = runAutoencoder(ae, image.to(dtype), z.to(dtype));

  const std::map<std::string, torch::Tensor*> finals{{"encoder_moments", &out.moments},
                                                     {"posterior_mean", &out.posteriorMean},
                                                     {"encoded_latent", &out.encoded},
                                                     {"decoded", &out.decoded},
                                                     {"reconstruction", &out.reconstruction}};
  for (const auto& name : expectedOutputNames(golden)) {
    if (auto it = finals.find(name); it != finals.end()) {
      checker.check(name, *it->second);
    } else if (name.rfind(kIntermediatePrefix, 0) == 0) {
      auto captured = out.captured.find(name.substr(kIntermediatePrefix.size()));
      if (captured != out.captured.end()) checker.check(name, captured->second);
    }
    // Anything else is reported by expectAllExpectedOutputsChecked.
  }
  checker.expectAllExpectedOutputsChecked();

  if (dtype == torch::kFloat32) {
    // Weights converted once from the float32 file, as the app loads them.
    auto ae16 = loadGoldenAutoencoder(golden, "weights.safetensors", torch::kBFloat16);
    const auto decoded16 = ae16->decode(z.to(torch::kBFloat16));
    EXPECT_EQ(decoded16.scalar_type(), torch::kBFloat16);
    checker.check("decoded", decoded16, bf16RerunTolerance(tensors.get("decoded")),
                  " [bfloat16 decoder]");
    const auto encoded16 = ae16->encode(image.to(torch::kBFloat16));
    checker.check("encoded_latent", encoded16, bf16RerunTolerance(tensors.get("encoded_latent")),
                  " [bfloat16 encoder]");
  }
  expectImageToImageStart(golden, out.encoded);
}

}  // namespace

FD_GOLDEN_KIND("autoencoder", runAutoencoderCase);

}  // namespace fd::test
