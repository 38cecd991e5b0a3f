// End to end through the public engine call, with the demo model written to
// a temporary folder: images, seeds, metadata on disk, cancellation, bad
// requests, the text cache and progress reports.
#include <gtest/gtest.h>

#include <filesystem>

#include "pipeline/demo_model.h"
#include "pipeline/image_io.h"
#include "pipeline/pipeline.h"
#include "pipeline/result_settings.h"
#include "support/test_paths.h"

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
    auto loaded = Pipeline::load(location, options, [&](const Progress& p) { loading.push_back(p); });
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
  EXPECT_TRUE(info.isDemo);
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
  auto result = pipeline_->generate(smallRequest(42, 2), [&](const Progress& p) { reports.push_back(p); });
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
      EXPECT_EQ(p.preview->rgb.size(), size_t(p.preview->width * p.preview->height * 3));
    }
  EXPECT_EQ(steps, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(reports.back().stage, Stage::Done);

  // On disk, with both metadata chunks.
  for (size_t i = 0; i < 2; ++i) {
    const auto& image = result->images[i];
    ImageSettings settings = imageSettingsFor(*result, i, pipeline_->info());
    const std::string path = (dir_->path() / ("image-" + std::to_string(i) + ".png")).string();
    ASSERT_TRUE(saveImage(path, image.rgb.data(), image.width, image.height, ImageFormat::Png, settings).ok());
    auto decoded = readImageFile(path);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->width, 256);
    EXPECT_EQ(decoded->rgb, image.rgb);
    auto chunks = readPngTextChunks(path);
    ASSERT_TRUE(chunks.ok()) << chunks.error().message;
    EXPECT_EQ(chunks->at("parameters"),
              "a lighthouse on a rocky cliff at sunset\nSteps: 4, Sampler: Euler, Seed: " + std::to_string(42 + i) +
                  ", Size: 256x256, Model: FluxDesk demo");
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

TEST(PipelineLoad, MissingModelSaysWhatIsMissing) {
  TempDir dir("pipeline-missing");
  ModelLocation location;
  location.folder = dir.path().string();
  auto loaded = Pipeline::load(location, EngineOptions{});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().kind, ErrorKind::ModelMissing);
  EXPECT_NE(loaded.error().message.find("transformer"), std::string::npos) << loaded.error().message;

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
