#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <set>

#include "models/flux_model.h"
#include "sampling/flux_sampler.h"
#include "sampling/latent_packing.h"
#include "sampling/latent_preview.h"
#include "sampling/noise.h"
#include "sampling/schedule.h"
#include "support/torch/tiny_flux.h"
#include "tensor/attention.h"

namespace fd::test {
namespace {

torch::Tensor randn(std::vector<int64_t> shape, uint64_t seed,
                    torch::ScalarType dtype = torch::kFloat32) {
  return torch::randn(shape, at::detail::createCPUGenerator(seed), torch::TensorOptions(dtype));
}

TextConditioning tinyText(int64_t batch = 1) {
  return {randn({batch, 5, 12}, 11), randn({batch, 8}, 12)};
}

SamplingOptions tinyOptions() {
  SamplingOptions o;
  o.width = 48;
  o.height = 32;
  o.seeds = {3};
  o.steps = 3;
  return o;
}

// --- packing and ids ---------------------------------------------------------

TEST(LatentPacking, PackPlacesEach2x2PatchInOneToken) {
  const auto latent = randn({2, 16, 6, 10}, 1);  // (B, C, H, W)
  const auto packed = packLatents(latent);
  ASSERT_EQ(packed.sizes(), (std::vector<int64_t>{2, 15, 64}));
  for (int64_t b : {0, 1})
    for (int64_t c : {0, 7, 15})
      for (int64_t y : {0, 3, 5})
        for (int64_t x : {0, 4, 9}) {
          const int64_t token = (y / 2) * 5 + x / 2, channel = c * 4 + (y % 2) * 2 + x % 2;
          EXPECT_EQ(packed[b][token][channel].item<float>(), latent[b][c][y][x].item<float>());
        }
}

TEST(LatentPacking, UnpackInvertsPackForNonSquareSizes) {
  for (auto [height, width] : {std::pair<int64_t, int64_t>{48, 80}, {80, 48}, {16, 16}}) {
    const auto latent = randn({2, 16, latentSide(height), latentSide(width)}, 2);
    EXPECT_TRUE(torch::equal(unpackLatents(packLatents(latent), height, width), latent))
        << height << "x" << width;
  }
}

TEST(LatentPacking, SizesThatAreNotMultiplesOf16RoundUp) {
  EXPECT_EQ(latentSide(64), 8);
  EXPECT_EQ(latentSide(72), 10);  // 2 * ceil(72 / 16)
  EXPECT_EQ(getNoise(0, 72, 40, torch::kFloat32).sizes(), (std::vector<int64_t>{1, 16, 10, 6}));
  const auto packed = randn({1, 15, 64}, 3);
  EXPECT_EQ(unpackLatents(packed, 72, 40).sizes(), (std::vector<int64_t>{1, 16, 10, 6}));
  EXPECT_THROW(unpackLatents(packed, 64, 64), c10::Error);  // 16 tokens expected
  EXPECT_THROW(packLatents(randn({1, 16, 5, 4}, 4)), c10::Error);
}

TEST(PositionIds, ImageIdsAreZeroRowColumnAndTextIdsZero) {
  const auto ids = makeImageIds(2, 6, 10);  // 3 rows x 5 cols of patches
  ASSERT_EQ(ids.sizes(), (std::vector<int64_t>{2, 15, 3}));
  EXPECT_EQ(ids.scalar_type(), torch::kFloat32);
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t row = 0; row < 3; ++row)
      for (int64_t col = 0; col < 5; ++col) {
        const auto id = ids[b][row * 5 + col];
        EXPECT_EQ(id[0].item<float>(), 0.0f);
        EXPECT_EQ(id[1].item<float>(), static_cast<float>(row));
        EXPECT_EQ(id[2].item<float>(), static_cast<float>(col));
      }
  const auto text = makeTextIds(3, 7);
  EXPECT_EQ(text.sizes(), (std::vector<int64_t>{3, 7, 3}));
  EXPECT_EQ(text.abs().sum().item<float>(), 0.0f);
}

// --- schedule ------------------------------------------------------------------

TEST(Schedule, StartsAtOneEndsAtZeroAndDecreases) {
  for (int steps : {1, 2, 4, 28, 50})
    for (int64_t seq : {24, 256, 1024, 4096, 16384})
      for (bool shift : {false, true}) {
        const auto t = getSchedule(steps, seq, shift);
        ASSERT_EQ(t.size(), static_cast<size_t>(steps + 1));
        EXPECT_EQ(t.front(), 1.0);
        EXPECT_EQ(t.back(), 0.0);
        for (size_t i = 1; i < t.size(); ++i) EXPECT_LT(t[i], t[i - 1]) << steps << " " << seq;
      }
}

TEST(Schedule, ShiftMovesTimestepsUpAsImagesGrow) {
  EXPECT_DOUBLE_EQ(scheduleMu(256), 0.5);
  EXPECT_NEAR(scheduleMu(4096), 1.15, 1e-12);
  const auto plain = getSchedule(8, 4096, false);
  const auto small = getSchedule(8, 1024, true), large = getSchedule(8, 4096, true);
  for (size_t i = 1; i + 1 < plain.size(); ++i) {
    EXPECT_GT(small[i], plain[i]);  // mu > 0 pushes every inner step up
    EXPECT_GT(large[i], small[i]);
  }
  EXPECT_THROW(getSchedule(0, 4096, false), c10::Error);
}

// --- attention -------------------------------------------------------------------

TEST(Attention, FusedEqualsPlain) {
  const auto q = randn({2, 3, 37, 16}, 20), k = randn({2, 3, 41, 16}, 21),
             v = randn({2, 3, 41, 8}, 22);
  const auto plain = plainAttention(q, k, v);
  const auto fused = scaledDotProductAttention(q, k, v);
  ASSERT_EQ(fused.sizes(), plain.sizes());
  EXPECT_TRUE(torch::allclose(fused, plain, 1e-5, 1e-5));
}

TEST(Attention, ReducedPrecisionAccumulatesInFloat32AndCastsBack) {
  const auto q = randn({1, 2, 19, 16}, 30), k = randn({1, 2, 19, 16}, 31),
             v = randn({1, 2, 19, 16}, 32);
  const auto q16 = q.to(torch::kBFloat16), k16 = k.to(torch::kBFloat16),
             v16 = v.to(torch::kBFloat16);
  const auto fused = scaledDotProductAttention(q16, k16, v16);
  EXPECT_EQ(fused.scalar_type(), torch::kBFloat16);
  // float32 math on the same bf16 values, rounded once at the end.
  const auto reference =
      plainAttention(q16.to(torch::kFloat32), k16.to(torch::kFloat32), v16.to(torch::kFloat32))
          .to(torch::kBFloat16);
  EXPECT_TRUE(
      torch::allclose(fused.to(torch::kFloat32), reference.to(torch::kFloat32), 1e-2, 1e-2));
}

TEST(Attention, RopeWithIdentityRotationKeepsQueriesAndKeys) {
  const auto q = randn({1, 2, 5, 16}, 40), k = randn({1, 2, 5, 16}, 41);
  const auto ids = torch::zeros({1, 5, 3});  // angle 0 everywhere: cos 1, sin 0
  const auto pe = embedPositions(ids, {4, 6, 6}, 10000);
  const auto [qr, kr] = applyRope(q, k, pe);
  EXPECT_TRUE(torch::equal(qr, q));
  EXPECT_TRUE(torch::equal(kr, k));
}

// --- model -------------------------------------------------------------------------

TEST(FluxModel, ParametersCarryTheOfficialNames) {
  std::set<std::string> names, namesWithGuidance;
  for (const auto& p : tinyFluxModel(false)->named_parameters()) names.insert(p.key());
  for (const auto& p : tinyFluxModel(true)->named_parameters()) namesWithGuidance.insert(p.key());
  for (const char* key :
       {"img_in.weight", "time_in.in_layer.bias", "vector_in.out_layer.weight", "txt_in.bias",
        "double_blocks.0.img_mod.lin.weight", "double_blocks.0.img_attn.qkv.bias",
        "double_blocks.0.img_attn.norm.query_norm.scale",
        "double_blocks.0.txt_attn.norm.key_norm.scale", "double_blocks.0.txt_attn.proj.weight",
        "double_blocks.0.img_mlp.0.weight", "double_blocks.0.txt_mlp.2.bias",
        "single_blocks.1.linear1.weight", "single_blocks.1.linear2.bias",
        "single_blocks.1.norm.query_norm.scale", "single_blocks.0.modulation.lin.bias",
        "final_layer.linear.weight", "final_layer.adaLN_modulation.1.bias"})
    EXPECT_TRUE(names.count(key)) << key;
  EXPECT_EQ(names.count("guidance_in.in_layer.weight"), 0u);
  EXPECT_EQ(namesWithGuidance.count("guidance_in.in_layer.weight"), 1u);
  EXPECT_EQ(namesWithGuidance.size(), names.size() + 4);
  EXPECT_THROW(FluxModel([] {
                 auto p = tinyFluxParams(false);
                 p.axes_dim = {4, 4, 4};
                 return p;
               }()),
               c10::Error);
}

TEST(FluxModel, GuidanceModelRequiresGuidance) {
  auto model = tinyFluxModel(true);
  torch::NoGradGuard noGrad;
  const auto img = randn({1, 6, 64}, 50), txt = randn({1, 5, 12}, 51), y = randn({1, 8}, 52);
  const auto t = torch::full({1}, 0.5);
  EXPECT_THROW(model->forward(img, makeImageIds(1, 4, 6), txt, makeTextIds(1, 5), t, y),
               c10::Error);
  const auto out = model->forward(img, makeImageIds(1, 4, 6), txt, makeTextIds(1, 5), t, y,
                                  torch::full({1}, 3.5));
  EXPECT_EQ(out.sizes(), img.sizes());
}

TEST(FluxModel, BlockStreamingGivesTheSameResult) {
  auto model = tinyFluxModel();
  torch::NoGradGuard noGrad;
  const auto img = randn({2, 6, 64}, 60), txt = randn({2, 5, 12}, 61), y = randn({2, 8}, 62);
  const auto t = torch::full({2}, 0.75);
  auto run = [&] {
    return model->forward(img, makeImageIds(2, 4, 6), txt, makeTextIds(2, 5), t, y);
  };
  const auto resident = run();
  model->setBlockStreaming(torch::Device(torch::kCPU));
  EXPECT_TRUE(model->blockStreamingDevice().has_value());
  EXPECT_TRUE(torch::equal(run(), resident));
  model->setBlockStreaming(std::nullopt);
  EXPECT_FALSE(model->blockStreamingDevice().has_value());
  EXPECT_TRUE(torch::equal(run(), resident));
}

// --- sampler -------------------------------------------------------------------------

TEST(Sampler, RunsEveryStepAndReturnsTheUnpackedLatent) {
  auto model = tinyFluxModel();
  auto options = tinyOptions();
  options.seeds = {3, 4};
  std::vector<int> seen;
  auto latent = sampleLatents(model, tinyText(), options, [&](const StepInfo& info) {
    seen.push_back(info.step);
    EXPECT_EQ(info.totalSteps, 3);
    EXPECT_EQ(info.packedLatent.sizes(), (std::vector<int64_t>{2, 6, 64}));
    EXPECT_EQ(info.timestepVec.sizes(), (std::vector<int64_t>{2}));
    EXPECT_GT(info.tCurr, info.tPrev);
    return true;
  });
  ASSERT_TRUE(latent) << latent.error().message;
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(latent->sizes(), (std::vector<int64_t>{2, 16, 4, 6}));
  EXPECT_EQ(latent->scalar_type(), torch::kFloat32);

  // Each seed's noise is drawn alone: image 1 of the batch is seed 4 sampled alone.
  options.seeds = {4};
  auto alone = sampleLatents(model, tinyText(), options);
  ASSERT_TRUE(alone);
  EXPECT_TRUE(torch::allclose((*latent)[1], (*alone)[0], 1e-5, 1e-6));
}

// Image-to-image: the start point and the steps run, against a computation
// written out here from diffusers' FluxImg2ImgPipeline (not the sampler's code).
TEST(Sampler, ImageToImageStartsAtTheFirstKeptTimestepWithTheSameNoise) {
  EXPECT_EQ(img2imgFirstStep(4, 1.0), 0);
  EXPECT_EQ(img2imgFirstStep(4, 0.85), 0);  // int(4 - 3.4) = 0, as diffusers: all steps run
  EXPECT_EQ(img2imgFirstStep(4, 0.75), 1);
  EXPECT_EQ(img2imgFirstStep(4, 0.5), 2);
  EXPECT_EQ(img2imgFirstStep(4, 0.25), 3);
  EXPECT_EQ(img2imgFirstStep(4, 0.1), 3);    // int(3.6): any strength above 0 keeps a step
  EXPECT_EQ(img2imgFirstStep(4, 0.0), 4);    // nothing left: the validator refuses it
  EXPECT_EQ(img2imgFirstStep(28, 0.6), 11);  // int(28 - 16.8)

  auto options = tinyOptions();
  options.steps = 4;
  const auto textOnly = prepareSampling(tinyText(), options);
  ASSERT_TRUE(textOnly);
  const auto imageLatent = randn({1, 16, 4, 6}, 80);  // (1, 16, h, w)
  options.imageLatent = imageLatent;
  options.strength = 0.5;
  const auto in = prepareSampling(tinyText(), options);
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_EQ(in->firstStep, 2);
  const double t = double(torch::linspace(1, 0, 5, torch::kFloat32)[2].item<float>());  // 0.5
  // t * noise + (1 - t) * latent, the noise being text-to-image's for the seed.
  const auto expected =
      packLatents(textOnly->noise.to(torch::kFloat32) * t + imageLatent * (1 - t));
  EXPECT_TRUE(torch::allclose(in->img, expected, 1e-6, 1e-6));
  // Strength 1: the text-to-image start, bit for bit.
  options.strength = 1.0;
  const auto full = prepareSampling(tinyText(), options);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->firstStep, 0);
  EXPECT_TRUE(torch::equal(full->img, textOnly->img));

  // The loop runs steps - firstStep steps, reported 1.. of that many.
  auto model = tinyFluxModel();
  options.strength = 0.5;
  std::vector<std::pair<int, int>> seen;
  std::vector<double> times;
  auto latent = sampleLatents(model, tinyText(), options, [&](const StepInfo& info) {
    seen.emplace_back(info.step, info.totalSteps);
    times.push_back(info.tCurr);
    return true;
  });
  ASSERT_TRUE(latent) << latent.error().message;
  EXPECT_EQ(seen, (std::vector<std::pair<int, int>>{{1, 2}, {2, 2}}));
  EXPECT_EQ(times, (std::vector<double>{0.5, 0.25}));
  options.strength = 0.0;
  EXPECT_FALSE(sampleLatents(model, tinyText(), options));
}

// Inpainting: where the mask keeps, every step ends on the input noised to
// its timestep, and the last on the input's latent itself.
TEST(Sampler, InpaintingKeepsTheUnmaskedLatent) {
  auto model = tinyFluxModel();
  auto options = tinyOptions();
  options.steps = 4;
  options.imageLatent = randn({1, 16, 4, 6}, 81);
  options.strength = 1.0;
  auto mask = torch::zeros({1, 1, 4, 6});
  mask.slice(3, 0, 2).fill_(1);  // repaint the two left latent columns
  options.latentMask = mask;
  const auto noise = prepareSampling(tinyText(), options)->packedNoise;
  std::vector<torch::Tensor> afterSteps;
  auto latent = sampleLatents(model, tinyText(), options, [&](const StepInfo& info) {
    afterSteps.push_back(unpackLatents(info.packedLatent.to(torch::kFloat32), 32, 48));
    return true;
  });
  ASSERT_TRUE(latent) << latent.error().message;
  const auto noiseUnpacked = unpackLatents(noise.to(torch::kFloat32), 32, 48);
  const std::vector<double> next = {0.75, 0.5, 0.25, 0.0};
  for (size_t i = 0; i < afterSteps.size(); ++i) {
    const auto kept = afterSteps[i].slice(3, 2, 6);
    const auto expected =
        (noiseUnpacked * next[i] + options.imageLatent * (1 - next[i])).slice(3, 2, 6);
    EXPECT_TRUE(torch::allclose(kept, expected, 1e-6, 1e-6)) << "step " << i + 1;
  }
  EXPECT_TRUE(
      torch::allclose(latent->slice(3, 2, 6), options.imageLatent.slice(3, 2, 6), 1e-6, 1e-6));
  EXPECT_FALSE(
      torch::allclose(latent->slice(3, 0, 2), options.imageLatent.slice(3, 0, 2), 1e-2, 1e-2));
}

TEST(Sampler, CallbackReturningFalseCancelsAfterTheFirstStep) {
  auto model = tinyFluxModel();
  int calls = 0;
  auto latent = sampleLatents(model, tinyText(), tinyOptions(), [&](const StepInfo&) {
    ++calls;
    return false;
  });
  ASSERT_FALSE(latent);
  EXPECT_EQ(latent.error().kind, ErrorKind::Cancelled);
  EXPECT_EQ(calls, 1);
}

TEST(Sampler, BadRequestsAreErrorsNotCrashes) {
  auto model = tinyFluxModel();
  auto options = tinyOptions();
  options.seeds.clear();
  auto noSeeds = sampleLatents(model, tinyText(), options);
  ASSERT_FALSE(noSeeds);
  EXPECT_EQ(noSeeds.error().kind, ErrorKind::BadRequest);

  options = tinyOptions();
  options.seeds = {1, 2, 3};
  auto wrongBatch = sampleLatents(model, tinyText(2), options);
  ASSERT_FALSE(wrongBatch);
  EXPECT_EQ(wrongBatch.error().kind, ErrorKind::BadRequest);

  options = tinyOptions();
  auto wrongWidth = sampleLatents(model, {randn({1, 5, 13}, 5), randn({1, 8}, 6)}, options);
  ASSERT_FALSE(wrongWidth);
  EXPECT_EQ(wrongWidth.error().kind, ErrorKind::BadRequest);
  EXPECT_NE(wrongWidth.error().message.find("txt has 13 channels"), std::string::npos)
      << wrongWidth.error().message;
}

TEST(LatentPreviewTest, OnePixelPerLatentCellOfEveryImage) {
  const auto packed = torch::cat({torch::zeros({1, 6, 64}), randn({1, 6, 64}, 70)});
  const auto preview = latentPreview(packed, 48, 32);
  EXPECT_EQ(preview.width, 6);
  EXPECT_EQ(preview.height, 4);
  EXPECT_EQ(preview.count, 2);
  ASSERT_EQ(preview.rgb.size(), 2u * 6u * 4u * 3u);
  // Image 0 is all zeros: every pixel gets the same colour (the bias).
  const uint8_t* first = preview.image(0);
  for (size_t i = 3; i < preview.imageBytes(); ++i) EXPECT_EQ(first[i], first[i % 3]);
  // Image 1 is its own, and the same as when previewed alone.
  const auto alone = latentPreview(packed.slice(0, 1, 2), 48, 32);
  ASSERT_EQ(alone.count, 1);
  EXPECT_TRUE(std::equal(alone.rgb.begin(), alone.rgb.end(), preview.image(1)));
  EXPECT_FALSE(std::equal(alone.rgb.begin(), alone.rgb.end(), preview.image(0)));
}

TEST(LatentPreviewTest, DenoisedEstimateUndoesTheRemainingFlow) {
  // x_t = (1 - t) x0 + t n and v = n - x0, so x_t - t v gives x0 back.
  const auto x0 = randn({2, 6, 64}, 71), noise = randn({2, 6, 64}, 72);
  const double t = 0.3;
  const auto xt = x0 * (1 - t) + noise * t;
  const auto estimate = denoisedEstimate(xt, noise - x0, t);
  EXPECT_TRUE(torch::allclose(estimate, x0, 1e-5, 1e-5));
  // At t = 0 (the last step) the estimate is the latent itself.
  EXPECT_TRUE(torch::equal(denoisedEstimate(x0, noise, 0.0), x0));
}

}  // namespace
}  // namespace fd::test
