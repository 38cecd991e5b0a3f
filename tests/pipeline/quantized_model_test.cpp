// Quantized weights end to end through the torch-free pipeline API: a demo
// model whose transformer and T5 were converted to GGUF by `quantize`
// (pipeline/gguf_convert.h) loads through discovery, keeps its weights
// packed and draws what the 16-bit model draws within quantization error;
// make-demo-model writes GGUF models that run.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "demo/demo_model.h"
#include "pipeline/gguf_convert.h"
#include "pipeline/pipeline.h"
#include "support/test_paths.h"

namespace fd {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<Pipeline> loadOrFail(const fs::path& folder) {
  ModelLocation location;
  location.folder = folder.string();
  EngineOptions options;
  options.device = DevicePreference::Cpu;
  options.dtype = DtypePreference::Float32;  // differences are the weights', not bf16 rounding
  auto loaded = Pipeline::load(location, options);
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().message);
  return loaded.ok() ? std::move(loaded.value()) : nullptr;
}

GeneratedImage generateOne(Pipeline& pipeline) {
  GenerationRequest request;
  request.prompt = "a lighthouse on a cliff at dusk";
  request.width = request.height = 256;
  request.seed = 77;
  auto result = pipeline.generate(request);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? result.value().images.front() : GeneratedImage{};
}

const ComponentReport* component(const Pipeline& pipeline, const std::string& name) {
  for (const auto& report : pipeline.info().components)
    if (report.name == name) return &report;
  return nullptr;
}

double meanAbsDifference(const GeneratedImage& a, const GeneratedImage& b) {
  double sum = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) sum += std::abs(int(a.rgb[i]) - int(b.rgb[i]));
  return a.rgb.empty() ? 0 : sum / double(a.rgb.size());
}

TEST(QuantizedModel, ConvertedTransformerAndT5DrawWhatTheSixteenBitModelDraws) {
  test::TempDir dir("quantized");
  const fs::path original = dir / "original", quantized = dir / "quantized";
  ASSERT_TRUE(writeDemoModel(original.string()).ok());
  fs::copy(original, quantized, fs::copy_options::recursive);

  GgufConvertOptions options;
  options.type = DType::Q8_0;
  auto transformer = convertToGguf(
      (original / "transformer/diffusion_pytorch_model.safetensors.index.json").string(),
      (quantized / "transformer/flux1-schnell-q8_0.gguf").string(), options);
  ASSERT_TRUE(transformer.ok()) << transformer.error().message;
  EXPECT_EQ(transformer->component, ComponentKind::Transformer);
  EXPECT_LT(transformer->outputBytes, transformer->inputBytes);
  auto t5 =
      convertToGguf((original / "text_encoder_2/model.safetensors.index.json").string(),
                    (quantized / "text_encoder_2/t5-v1_1-xxl-encoder-q8_0.gguf").string(), options);
  ASSERT_TRUE(t5.ok()) << t5.error().message;
  EXPECT_EQ(t5->component, ComponentKind::T5Encoder);
  for (const char* folder : {"transformer", "text_encoder_2"})
    for (const auto& entry : fs::directory_iterator(quantized / folder))
      if (entry.path().string().find(".safetensors") != std::string::npos) fs::remove(entry.path());

  auto reference = loadOrFail(original);
  auto packed = loadOrFail(quantized);
  ASSERT_TRUE(reference && packed);
  ASSERT_TRUE(component(*packed, "transformer") && component(*packed, "t5"));
  EXPECT_EQ(component(*packed, "transformer")->dtype, "q8_0");
  EXPECT_EQ(component(*packed, "transformer")->compute, "float32");
  EXPECT_EQ(component(*packed, "t5")->dtype, "q8_0");
  EXPECT_NE(component(*packed, "transformer")->files.find(".gguf"), std::string::npos);

  const auto a = generateOne(*reference), b = generateOne(*packed);
  ASSERT_EQ(a.rgb.size(), b.rgb.size());
  const double difference = meanAbsDifference(a, b);
  // q8_0 keeps 8 bits per weight: the picture is the same up to a few levels.
  EXPECT_LT(difference, 3.0);
  EXPECT_GT(difference, 0.0)
      << "the quantized model drew bit-identical pixels: were its weights used?";
}

TEST(QuantizedModel, MakeDemoModelWritesGgufThatRuns) {
  test::TempDir dir("demo-gguf");
  DemoModelOptions options;
  options.transformerQuant = DType::Q8_0;
  options.t5Quant = DType::Q4_0;
  ASSERT_TRUE(writeDemoModel((dir / "m").string(), options).ok());
  EXPECT_TRUE(fs::exists(dir / "m/transformer/flux1-schnell-q8_0.gguf"));
  EXPECT_TRUE(fs::exists(dir / "m/text_encoder_2/t5-v1_1-xxl-encoder-q4_0.gguf"));
  EXPECT_FALSE(fs::exists(dir / "m/transformer/diffusion_pytorch_model.safetensors.index.json"));
  auto pipeline = loadOrFail(dir / "m");
  ASSERT_TRUE(pipeline);
  EXPECT_EQ(component(*pipeline, "t5")->dtype, "q4_0");
  const auto image = generateOne(*pipeline);
  EXPECT_EQ(image.rgb.size(), size_t(256 * 256 * 3));

  // Written again without quantization, the GGUF files make way for safetensors.
  ASSERT_TRUE(writeDemoModel((dir / "m").string()).ok());
  EXPECT_FALSE(fs::exists(dir / "m/transformer/flux1-schnell-q8_0.gguf"));
  EXPECT_TRUE(loadOrFail(dir / "m") != nullptr);
}

TEST(QuantizedModel, ConvertRefusesWhatItCannotWrite) {
  test::TempDir dir("convert-errors");
  ASSERT_TRUE(writeDemoModel((dir / "m").string()).ok());
  GgufConvertOptions options;
  options.type = DType::Q2_K;  // read, not written
  auto result =
      convertToGguf((dir / "m/transformer/diffusion_pytorch_model.safetensors.index.json").string(),
                    (dir / "out.gguf").string(), options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::BadRequest);
  options.type = DType::Q8_0;
  result = convertToGguf((dir / "m/text_encoder/model.safetensors").string(),
                         (dir / "out.gguf").string(), options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::BadRequest);
  EXPECT_NE(result.error().message.find("clip"), std::string::npos) << result.error().message;
  result =
      convertToGguf((dir / "missing.safetensors").string(), (dir / "out.gguf").string(), options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::ModelMissing);
  EXPECT_FALSE(fs::exists(dir / "out.gguf"));
}

}  // namespace
}  // namespace fd
