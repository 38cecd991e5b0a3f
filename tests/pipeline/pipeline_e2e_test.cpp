// End to end through the public engine call, with the demo model written to
// a temporary folder: images, seeds, metadata on disk, cancellation, bad
// requests, the text cache and progress reports.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>

#include "demo/demo_model.h"
#include "pipeline/image_io.h"
#include "pipeline/pipeline.h"
#include "pipeline/request_validation.h"
#include "pipeline/result_settings.h"
#include "support/test_paths.h"
#include "weights/safetensors_writer.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

class PipelineE2e : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("pipeline-e2e");
    ASSERT_TRUE(writeDemoModel((dir_->path() / "demo").string()).ok());
    ModelLocation location;
    location.folder = (dir_->path() / "demo").string();
    EngineOptions options;
    options.device = DevicePreference::Cpu;
    std::vector<Progress> loading;
    auto loaded =
        Pipeline::load(location, options, [&](const Progress& p) { loading.push_back(p); });
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    pipeline_ = loaded.value().release();
    loadingReports_ = new std::vector<Progress>(std::move(loading));
  }
  static void TearDownTestSuite() {
    delete pipeline_;
    delete loadingReports_;
    delete dir_;
  }

  static GenerationRequest smallRequest(uint64_t seed, int count = 1) {
    GenerationRequest r;
    r.prompt = "a lighthouse on a rocky cliff at sunset";
    r.width = 256;
    r.height = 256;
    r.count = count;
    r.seed = seed;
    r.steps = 4;
    return r;
  }

  // The PNG bytes as the CLI would write them (fixed creation time, so two
  // runs can be compared byte for byte).
  static std::vector<uint8_t> pngOf(const GenerationResult& result, size_t index) {
    ImageSettings settings = imageSettingsFor(result, index, pipeline_->info());
    settings.createdAt = "2024-01-01T00:00:00Z";
    settings.seconds = 0;
    const auto& image = result.images[index];
    auto png = encodeImage(image.rgb.data(), image.width, image.height, ImageFormat::Png, settings);
    EXPECT_TRUE(png.ok());
    return png.ok() ? png.value() : std::vector<uint8_t>{};
  }

  static TempDir* dir_;
  static Pipeline* pipeline_;
  static std::vector<Progress>* loadingReports_;
};
TempDir* PipelineE2e::dir_ = nullptr;
Pipeline* PipelineE2e::pipeline_ = nullptr;
std::vector<Progress>* PipelineE2e::loadingReports_ = nullptr;

TEST_F(PipelineE2e, ReportsWhatItLoadedWhere) {
  const ModelInfo& info = pipeline_->info();
  EXPECT_EQ(info.name, "FluxDesk demo");
  EXPECT_EQ(info.id, "fluxdesk-demo");
  EXPECT_TRUE(info.randomWeights);
  EXPECT_EQ(info.ownedBy, "fluxdesk");
  EXPECT_NE(info.description.find("demo model"), std::string::npos) << info.description;
  EXPECT_FALSE(info.guidanceDistilled);
  EXPECT_EQ(info.defaultSteps, 4);
  EXPECT_EQ(info.maxSteps, 4);
  EXPECT_EQ(info.device, "cpu");
  // auto on the CPU: bfloat16 weights, computed in float32 where this CPU is
  // slow at bfloat16 products (the reason says which).
  EXPECT_EQ(info.dtype.rfind("bfloat16", 0), 0u) << info.dtype;
  EXPECT_FALSE(info.dtypeReason.empty());
  ASSERT_EQ(info.components.size(), 4u);
  for (const auto& c : info.components) {
    EXPECT_EQ(c.device, "cpu") << c.name;
    EXPECT_GT(c.parameters, 1000) << c.name;
    EXPECT_FALSE(c.files.empty()) << c.name;
  }
  ASSERT_FALSE(loadingReports_->empty());
  EXPECT_EQ(loadingReports_->back().stage, Stage::Loading);
  EXPECT_DOUBLE_EQ(loadingReports_->back().fraction, 1.0);
}

TEST_F(PipelineE2e, TwoImagesWithSettingsOnDisk) {
  std::vector<Progress> reports;
  auto result =
      pipeline_->generate(smallRequest(42, 2), [&](const Progress& p) { reports.push_back(p); });
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->images.size(), 2u);
  EXPECT_EQ(result->images[0].seed, 42u);
  EXPECT_EQ(result->images[1].seed, 43u);
  for (const auto& image : result->images) {
    EXPECT_EQ(image.width, 256);
    EXPECT_EQ(image.height, 256);
    ASSERT_EQ(image.rgb.size(), 256u * 256u * 3u);
  }
  EXPECT_NE(result->images[0].rgb, result->images[1].rgb);
  EXPECT_EQ(result->request.steps, 4);
  EXPECT_EQ(result->times.stepSeconds.size(), 4u);
  EXPECT_GT(result->times.totalSeconds, 0.0);
  EXPECT_EQ(result->modelName, "FluxDesk demo");
  EXPECT_GT(result->prompt.clipTokens, 2);
  EXPECT_EQ(result->prompt.t5Limit, 256);

  // Not a flat image: random weights still have to draw a pattern.
  const auto& rgb = result->images[0].rgb;
  std::vector<int> seen(256, 0);
  for (uint8_t v : rgb) seen[v] = 1;
  EXPECT_GT(std::count(seen.begin(), seen.end(), 1), 64);

  // Progress: text, four steps with previews, decoding, done.
  ASSERT_GE(reports.size(), 7u);
  EXPECT_EQ(reports.front().stage, Stage::EncodingText);
  std::vector<int> steps;
  for (const auto& p : reports)
    if (p.stage == Stage::Denoising) {
      steps.push_back(p.step);
      EXPECT_EQ(p.totalSteps, 4);
      ASSERT_NE(p.preview, nullptr);
      EXPECT_EQ(p.preview->width, 32);
      EXPECT_EQ(p.preview->count, 2);  // every image of the batch
      EXPECT_EQ(p.preview->rgb.size(), size_t(p.preview->count) * p.preview->imageBytes());
    }
  EXPECT_EQ(steps, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(reports.back().stage, Stage::Done);

  // On disk, with both metadata chunks.
  for (size_t i = 0; i < 2; ++i) {
    const auto& image = result->images[i];
    ImageSettings settings = imageSettingsFor(*result, i, pipeline_->info());
    const std::string path = (dir_->path() / ("image-" + std::to_string(i) + ".png")).string();
    ASSERT_TRUE(
        saveImage(path, image.rgb.data(), image.width, image.height, ImageFormat::Png, settings)
            .ok());
    auto decoded = readImageFile(path);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->width, 256);
    EXPECT_EQ(decoded->rgb, image.rgb);
    auto chunks = readPngTextChunks(path);
    ASSERT_TRUE(chunks.ok()) << chunks.error().message;
    EXPECT_EQ(chunks->at("parameters"),
              "a lighthouse on a rocky cliff at sunset\nSteps: 4, Sampler: Euler, Seed: " +
                  std::to_string(42 + i) + ", Size: 256x256, Model: FluxDesk demo");
    auto json = settingsFromJson(chunks->at("fluxdesk"));
    ASSERT_TRUE(json.ok()) << json.error().message;
    EXPECT_EQ(json->seed, 42 + i);
    EXPECT_EQ(json->width, 256);
    EXPECT_EQ(json->steps, 4);
    EXPECT_EQ(json->modelId, "fluxdesk-demo");
    EXPECT_EQ(json->dtype, pipeline_->info().dtype);
    EXPECT_FALSE(json->guidance.has_value());
    EXPECT_FALSE(json->version.empty());
    EXPECT_FALSE(json->createdAt.empty());
  }
}

TEST_F(PipelineE2e, SameSeedSameBytesAndCachedText) {
  auto first = pipeline_->generate(smallRequest(7));
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = pipeline_->generate(smallRequest(7));
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_TRUE(second->textCacheHit);  // same prompt: the encoders did not run again
  EXPECT_EQ(pngOf(*first, 0), pngOf(*second, 0));

  // Image i of a batch is image 0 of a request with seed + i: the same
  // noise, up to rounding (batched bf16 matrix products may round
  // differently from single ones).
  auto batch = pipeline_->generate(smallRequest(6, 2));
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->images[1].seed, 7u);
  const auto& alone = first->images[0].rgb;
  const auto& batched = batch->images[1].rgb;
  ASSERT_EQ(alone.size(), batched.size());
  int worst = 0;
  double mean = 0;
  for (size_t i = 0; i < alone.size(); ++i) {
    int d = std::abs(int(alone[i]) - int(batched[i]));
    worst = std::max(worst, d);
    mean += d;
  }
  mean /= double(alone.size());
  std::printf("batch vs alone: max %d, mean %.4f levels\n", worst, mean);
  EXPECT_LT(mean, 2.0);

  auto other = pipeline_->generate(smallRequest(8));
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->images[0].rgb, first->images[0].rgb);

  GenerationRequest newPrompt = smallRequest(7);
  newPrompt.prompt = "a completely different prompt about a forest";
  auto third = pipeline_->generate(newPrompt);
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->textCacheHit);
  EXPECT_NE(third->images[0].rgb, first->images[0].rgb);  // the prompt steers the pattern
}

TEST_F(PipelineE2e, RandomSeedIsReported) {
  GenerationRequest r = smallRequest(0);
  r.seed.reset();
  r.steps = 0;  // the model's default
  auto result = pipeline_->generate(r);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_TRUE(result->request.seed.has_value());
  EXPECT_EQ(result->images[0].seed, *result->request.seed);
  EXPECT_EQ(result->request.steps, 4);
  // Remaking it from the reported seed gives the same image.
  GenerationRequest again = smallRequest(*result->request.seed);
  auto remade = pipeline_->generate(again);
  ASSERT_TRUE(remade.ok());
  EXPECT_EQ(remade->images[0].rgb, result->images[0].rgb);
}

TEST_F(PipelineE2e, CancelAfterFirstStepThenStillUsable) {
  int stepsSeen = 0;
  bool cancel = false;
  auto result = pipeline_->generate(
      smallRequest(11),
      [&](const Progress& p) {
        if (p.stage == Stage::Denoising) {
          ++stepsSeen;
          cancel = true;  // ask to stop once the first step has finished
        }
      },
      [&] { return cancel; });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::Cancelled);
  EXPECT_EQ(stepsSeen, 1);

  auto next = pipeline_->generate(smallRequest(11));
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->images.size(), 1u);
}

TEST_F(PipelineE2e, BadRequestsAreRejectedWithTheirReason) {
  auto expectRejected = [&](GenerationRequest r, const std::string& reason) {
    auto result = pipeline_->generate(r);
    ASSERT_FALSE(result.ok()) << reason;
    EXPECT_EQ(result.error().kind, ErrorKind::BadRequest);
    EXPECT_NE(result.error().message.find(reason), std::string::npos) << result.error().message;
    EXPECT_FALSE(pipeline_->validate(r).ok());
  };
  auto r = smallRequest(1);
  r.width = r.height = 1000;
  expectRejected(r, "width 1000 is not a multiple of 16");
  r = smallRequest(1, 0);
  expectRejected(r, "count 0 is outside 1..4");
  r = smallRequest(1, 5);
  expectRejected(r, "count 5 is outside 1..4");
  r = smallRequest(1);
  r.prompt = "";
  expectRejected(r, "the prompt is empty");
  r = smallRequest(1);
  r.steps = 5;
  expectRejected(r, "steps 5 is outside 1..4");
  r = smallRequest(1);
  r.steps = -2;
  expectRejected(r, "steps -2 is outside 1..4");
  r = smallRequest(1);
  r.guidance = 3.5;
  expectRejected(r, "guidance is used only by guidance-distilled models");
  r = smallRequest(1);
  r.prompt = std::string("bad utf-8 \xff\xfe here");
  expectRejected(r, "prompt");
}

// --- image-to-image and inpainting -------------------------------------------

std::shared_ptr<const SourceImage> sourceFrom(const GeneratedImage& image,
                                              std::vector<uint8_t> mask = {}) {
  auto source = std::make_shared<SourceImage>();
  source->width = image.width;
  source->height = image.height;
  source->rgb = image.rgb;
  source->mask = std::move(mask);
  source->name = "input.png";
  return source;
}

double meanAbsDifference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) sum += std::abs(int(a[i]) - int(b[i]));
  return sum / double(std::max<size_t>(1, a.size()));
}

TEST_F(PipelineE2e, ImageToImageAtStrengthOneIsTextToImageBitwise) {
  auto input = pipeline_->generate(smallRequest(7));
  auto plain = pipeline_->generate(smallRequest(8));
  ASSERT_TRUE(input.ok() && plain.ok());
  GenerationRequest request = smallRequest(8);
  request.source = sourceFrom(input->images[0]);
  request.strength = 1.0;
  auto result = pipeline_->generate(request);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->images[0].rgb, plain->images[0].rgb);
}

TEST_F(PipelineE2e, ASmallStrengthStartsFromTheInputAndRunsTheLastSteps) {
  // The demo model's weights are random: its autoencoder does not give the
  // input back and its velocities mean nothing, so "close to the input" is
  // not a property it can show (the sampler test checks the start point and
  // the steps against diffusers' formula). What holds for any model: only
  // the last steps run, the input decides the result, and it is repeatable.
  auto first = pipeline_->generate(smallRequest(7));
  auto second = pipeline_->generate(smallRequest(8));
  ASSERT_TRUE(first.ok() && second.ok());
  auto run = [&](const GeneratedImage& input, double strength, std::vector<int>* steps) {
    GenerationRequest request = smallRequest(9);
    request.source = sourceFrom(input);
    request.strength = strength;
    auto result = pipeline_->generate(request, [&](const Progress& p) {
      if (steps && p.stage == Stage::Denoising) steps->push_back(p.totalSteps);
    });
    EXPECT_TRUE(result.ok()) << result.error().message;
    return result;
  };
  std::vector<int> steps;
  auto low = run(first->images[0], 0.25, &steps);  // 4 steps: 3 skipped, 1 runs
  auto again = run(first->images[0], 0.25, nullptr);
  auto otherInput = run(second->images[0], 0.25, nullptr);
  auto full = run(first->images[0], 1.0, nullptr);
  ASSERT_TRUE(low.ok() && again.ok() && otherInput.ok() && full.ok());
  EXPECT_EQ(steps, std::vector<int>{1});
  EXPECT_EQ(low->images[0].rgb, again->images[0].rgb);
  EXPECT_NE(low->images[0].rgb, otherInput->images[0].rgb);
  EXPECT_NE(low->images[0].rgb, full->images[0].rgb);
  // The settings say how it was made.
  const ImageSettings settings = imageSettingsFor(*low, 0, pipeline_->info());
  ASSERT_TRUE(settings.strength.has_value());
  EXPECT_DOUBLE_EQ(*settings.strength, 0.25);
  EXPECT_EQ(settings.sourceImage, "input.png");
  EXPECT_NE(parametersText(settings).find("Denoising strength: 0.25"), std::string::npos);
}

TEST_F(PipelineE2e, InpaintingKeepsEveryPixelOutsideTheMask) {
  auto input = pipeline_->generate(smallRequest(7));
  ASSERT_TRUE(input.ok());
  const GeneratedImage& picture = input->images[0];
  std::vector<uint8_t> mask(size_t(picture.width) * size_t(picture.height), 0);
  for (int y = 64; y < 192; ++y)
    for (int x = 32; x < 128; ++x) mask[size_t(y) * size_t(picture.width) + size_t(x)] = 1;
  GenerationRequest request = smallRequest(11);
  request.source = sourceFrom(picture, mask);  // strength: 1.0, the inpainting default
  auto result = pipeline_->generate(request);
  ASSERT_TRUE(result.ok()) << result.error().message;
  const auto& out = result->images[0].rgb;
  size_t changedInside = 0;
  for (size_t pixel = 0; pixel < mask.size(); ++pixel) {
    for (size_t c = 0; c < 3; ++c) {
      if (!mask[pixel]) {
        ASSERT_EQ(out[pixel * 3 + c], picture.rgb[pixel * 3 + c]) << "pixel " << pixel;
      } else {
        changedInside += out[pixel * 3 + c] != picture.rgb[pixel * 3 + c];
      }
    }
  }
  EXPECT_GT(changedInside, mask.size() / 10) << "the masked area was not redrawn";
  EXPECT_TRUE(imageSettingsFor(*result, 0, pipeline_->info()).inpaint);
}

TEST_F(PipelineE2e, AnInputOfAnotherShapeIsScaledToCoverAndCropped) {
  // A 512x256 input for a 256x256 request: covering 256x256 needs no
  // scaling (its height is already 256), so the middle 256 columns are used.
  auto wide = pipeline_->generate([] {
    GenerationRequest r = smallRequest(5);
    r.width = 512;
    return r;
  }());
  ASSERT_TRUE(wide.ok()) << wide.error().message;
  std::vector<uint8_t> sparse(size_t(512) * 256, 0);
  for (size_t i = 0; i < sparse.size(); i += 7)
    sparse[i] = 1;  // every 7th pixel redrawn, the rest kept
  GenerationRequest request = smallRequest(6);
  request.source = sourceFrom(wide->images[0], sparse);
  auto result = pipeline_->generate(request);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->images[0].width, 256);
  // A kept pixel (the mask's geometry follows the image's) equals the input's at column + 128.
  size_t compared = 0;
  for (int y = 0; y < 256; ++y) {
    for (int x = 0; x < 256; ++x) {
      const size_t source = size_t(y) * 512 + size_t(x + 128);
      if (sparse[source]) continue;
      for (size_t c = 0; c < 3; ++c)
        ASSERT_EQ(result->images[0].rgb[(size_t(y) * 256 + size_t(x)) * 3 + c],
                  wide->images[0].rgb[source * 3 + c]);
      ++compared;
    }
  }
  EXPECT_GT(compared, 50000u);
  EXPECT_EQ(defaultSizeForSource(512, 256), (std::pair<int, int>{512, 256}));
  EXPECT_EQ(defaultSizeForSource(4000, 3000), (std::pair<int, int>{2048, 1536}));
  EXPECT_EQ(defaultSizeForSource(100, 300), (std::pair<int, int>{256, 768}));
}

TEST_F(PipelineE2e, ImageToImageRulesAreChecked) {
  auto input = pipeline_->generate(smallRequest(7));
  ASSERT_TRUE(input.ok());
  GenerationRequest r = smallRequest(1);
  r.strength = 0.5;
  auto noSource = pipeline_->generate(r);
  ASSERT_FALSE(noSource.ok());
  EXPECT_NE(noSource.error().message.find("strength needs an input image"), std::string::npos);
  r.source = sourceFrom(input->images[0]);
  r.strength = 0.0;  // any strength above 0 leaves at least one step
  auto nothingLeft = pipeline_->generate(r);
  ASSERT_FALSE(nothingLeft.ok());
  EXPECT_NE(nothingLeft.error().message.find("leaves no step"), std::string::npos)
      << nothingLeft.error().message;
  r.strength = 1.5;
  EXPECT_FALSE(pipeline_->generate(r).ok());
  r.strength.reset();
  r.source = sourceFrom(input->images[0], std::vector<uint8_t>(10, 1));
  auto badMask = pipeline_->generate(r);
  ASSERT_FALSE(badMask.ok());
  EXPECT_NE(badMask.error().message.find("mask must be the size"), std::string::npos);
  r.source = sourceFrom(input->images[0], std::vector<uint8_t>(256 * 256, 0));
  auto emptyMask = pipeline_->generate(r);
  ASSERT_FALSE(emptyMask.ok());
  EXPECT_NE(emptyMask.error().message.find("marks no pixel"), std::string::npos);
}

// --- LoRA ---------------------------------------------------------------------

// A rank-4 LoRA in diffusers/PEFT naming on two layers of the demo
// transformer (hidden 32): x_embedder and the first block's to_q.
std::string writeDemoLora(const fs::path& path, float upValue) {
  auto tensor = [](const std::string& name, std::vector<int64_t> shape, float base, float step) {
    TensorToWrite t;
    t.name = name;
    t.dtype = DType::F32;
    t.shape = shape;
    int64_t count = 1;
    for (int64_t d : shape) count *= d;
    std::vector<float> values(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) values[size_t(i)] = base + step * float((i * 7) % 13 - 6);
    t.bytes.resize(values.size() * sizeof(float));
    std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
    return t;
  };
  std::vector<TensorToWrite> tensors = {
      tensor("transformer.x_embedder.lora_A.weight", {4, 64}, 0.0f, 0.05f),
      tensor("transformer.x_embedder.lora_B.weight", {32, 4}, upValue, upValue),
      tensor("transformer.transformer_blocks.0.attn.to_q.lora_A.weight", {4, 32}, 0.0f, 0.05f),
      tensor("transformer.transformer_blocks.0.attn.to_q.lora_B.weight", {32, 4}, upValue, upValue),
  };
  EXPECT_TRUE(writeSafetensors(path.string(), tensors, {}).ok());
  return path.string();
}

TEST_F(PipelineE2e, LorasChangeTheImageAndLeaveNoTraceWhenDropped) {
  const std::string lora = writeDemoLora(dir_->path() / "style.safetensors", 0.2f);
  const std::string zero = writeDemoLora(dir_->path() / "zero.safetensors", 0.0f);
  auto base = pipeline_->generate(smallRequest(21));
  ASSERT_TRUE(base.ok());

  GenerationRequest request = smallRequest(21);
  request.loras = {{lora, 0.8}};
  auto styled = pipeline_->generate(request);
  ASSERT_TRUE(styled.ok()) << styled.error().message;
  EXPECT_NE(styled->images[0].rgb, base->images[0].rgb);
  ASSERT_EQ(styled->loras.files.size(), 1u);
  EXPECT_EQ(styled->loras.files[0].format, "diffusers");
  EXPECT_EQ(styled->loras.files[0].adapters, 2u);
  const ImageSettings settings = imageSettingsFor(*styled, 0, pipeline_->info());
  EXPECT_NE(parametersText(settings).find("<lora:style:0.8>"), std::string::npos)
      << parametersText(settings);
  EXPECT_NE(settingsToJson(settings).find(R"("loras":[{"name":"style","scale":0.8}])"),
            std::string::npos);

  // Scale 0 and an all-zero LoRA: the base image, bit for bit.
  request.loras = {{lora, 0.0}};
  auto scaleZero = pipeline_->generate(request);
  request.loras = {{zero, 1.0}};
  auto zeroLora = pipeline_->generate(request);
  ASSERT_TRUE(scaleZero.ok() && zeroLora.ok());
  EXPECT_EQ(scaleZero->images[0].rgb, base->images[0].rgb);
  EXPECT_EQ(zeroLora->images[0].rgb, base->images[0].rgb);

  // The next request without LoRAs is the base model again.
  request.loras = {{lora, 0.8}};
  ASSERT_TRUE(pipeline_->generate(request).ok());
  auto after = pipeline_->generate(smallRequest(21));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->images[0].rgb, base->images[0].rgb);

  // A file that is not there is a clear error, and the model stays usable.
  request.loras = {{(dir_->path() / "missing.safetensors").string(), 1.0}};
  auto missing = pipeline_->generate(request);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("missing.safetensors"), std::string::npos)
      << missing.error().message;
  auto again = pipeline_->generate(smallRequest(21));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->images[0].rgb, base->images[0].rgb);
}

TEST(PipelineLoad, MissingModelSaysWhatIsMissing) {
  TempDir dir("pipeline-missing");
  ModelLocation location;
  location.folder = dir.path().string();
  auto loaded = Pipeline::load(location, EngineOptions{});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().kind, ErrorKind::ModelMissing);
  EXPECT_NE(loaded.error().message.find("transformer"), std::string::npos)
      << loaded.error().message;

  EngineOptions f16;
  f16.device = DevicePreference::Cpu;
  f16.dtype = DtypePreference::Float16;
  location.folder = "/nonexistent";
  auto refused = Pipeline::load(location, f16);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::BadRequest);
  EXPECT_NE(refused.error().message.find("float16"), std::string::npos);
}

TEST(PipelineNames, RoundTrip) {
  for (MemoryMode m : {MemoryMode::Resident, MemoryMode::OffloadText, MemoryMode::StreamBlocks})
    EXPECT_EQ(memoryModeFromName(memoryModeName(m)), m);
  EXPECT_FALSE(memoryModeFromName("everything").has_value());
  EXPECT_EQ(devicePreferenceFromName("cuda"), DevicePreference::Cuda);
  EXPECT_EQ(dtypePreferenceFromName("bf16"), DtypePreference::BFloat16);
  EXPECT_STREQ(stageName(Stage::Denoising), "denoising");
}

}  // namespace
}  // namespace fd::test
