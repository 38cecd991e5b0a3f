// Golden tests of the CLIP text encoder and the T5 encoder. Every subfolder
// of <golden>/text with a config.json is one test, discovered when the
// binary starts; its model type comes from the config. Tolerances follow
// the golden README: float32 max |diff| <= 1e-4; bfloat16 against the
// float32 golden max <= 0.1 and mean <= 0.015.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "golden_text/text_encoder_runner.h"
#include "golden_text/text_golden_cases.h"
#include "models/clip_text_model.h"
#include "models/t5_encoder.h"
#include "support/test_paths.h"
#include "weights/safetensors_file.h"
#include "weights/safetensors_writer.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

constexpr TextTolerance kFloat32Tolerance{1e-4, -1};
constexpr TextTolerance kBfloat16Tolerance{0.1, 0.015};

fs::path textGoldenRoot() { return goldenRoot() / "text"; }

const std::vector<TextGoldenCase>& allCases() {
  static const std::vector<TextGoldenCase> cases = discoverTextGoldenCases(textGoldenRoot());
  return cases;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TensorMap runTimed(const TextGoldenCase& c, const fs::path& weights, const torch::Tensor& ids,
                   torch::ScalarType dtype) {
  auto start = std::chrono::steady_clock::now();
  auto outputs = runTextEncoder(c.kind, weights, c.configText, ids, dtype);
  std::printf("%-44s ran in %.3f s\n", (c.name + " [" + c10::toString(dtype) + "]").c_str(),
              secondsSince(start));
  return outputs;
}

// CLIP pools the row the reference pooled (pooled_index), bit for bit.
void expectPooledRows(const std::string& label, const TensorMap& outputs, const TensorMap& golden) {
  auto rows = golden.find("pooled_index");
  if (rows == golden.end() || !outputs.count("pooler_output")) return;
  auto hidden = outputs.at("last_hidden_state");                         // (B, L, D)
  auto batch = torch::arange(hidden.size(0), torch::kLong);              // (B,)
  auto expected = hidden.index({batch, rows->second.to(torch::kLong)});  // (B, D)
  EXPECT_TRUE(torch::equal(outputs.at("pooler_output"), expected))
      << label << ": pooler_output is not last_hidden_state at the golden pooled_index";
}

class TextGolden : public ::testing::TestWithParam<TextGoldenCase> {};

TEST_P(TextGolden, MatchesReference) {
  const TextGoldenCase& c = GetParam();
  ASSERT_NE(c.kind, TextModelKind::Unknown) << c.kindProblem;
  const fs::path weights = c.folder / "weights.safetensors";
  const auto stored = dominantFloatDtype(weights);
  ASSERT_TRUE(stored.has_value()) << weights << ": unreadable or holds no floating tensors";
  const TensorMap golden = readTensorFile(c.folder / "tensors.safetensors");
  ASSERT_TRUE(golden.count("input_ids")) << c.folder << "/tensors.safetensors has no input_ids";
  ASSERT_TRUE(golden.count("last_hidden_state"))
      << c.folder << "/tensors.safetensors has no last_hidden_state";
  const torch::Tensor ids = golden.at("input_ids");
  std::printf("== %s: %s, weights %s, input_ids %s\n", c.name.c_str(), textModelKindName(c.kind),
              safetensorsName(*stored), c10::str(ids.sizes()).c_str());

  if (*stored == DType::F32) {
    // Float32 reference: tight check, then the same weights in bfloat16
    // against the float32 golden with the bf16 rule.
    auto fp32 = runTimed(c, weights, ids, torch::kFloat);
    compareTextOutputs(c.name + " fp32 vs fp32 golden", fp32, golden, kFloat32Tolerance, true);
    expectPooledRows(c.name + " fp32", fp32, golden);
    auto bf16 = runTimed(c, weights, ids, torch::kBFloat16);
    compareTextOutputs(c.name + " bf16 vs fp32 golden", bf16, golden, kBfloat16Tolerance, true);
    expectPooledRows(c.name + " bf16", bf16, golden);
    return;
  }

  // Reduced-precision weights: run in bfloat16 (float16 is refused for T5
  // and has no CPU kernels for CLIP), judged against the float32 golden of
  // the same model when one exists, else against this folder's own golden.
  auto reduced = runTimed(c, weights, ids, torch::kBFloat16);
  expectPooledRows(c.name + " bf16", reduced, golden);
  auto twin = findFloat32Twin(c, allCases());
  if (twin) {
    const TensorMap twinGolden = readTensorFile(twin->folder / "tensors.safetensors");
    compareTextOutputs(c.name + " bf16 vs fp32 golden (" + twin->name + ")", reduced, twinGolden,
                       kBfloat16Tolerance, true);
    compareTextOutputs(c.name + " bf16 vs bf16 golden (info)", reduced, golden, kBfloat16Tolerance,
                       false);
  } else {
    std::printf("%s: no float32 twin folder; judging against its own bf16 golden\n",
                c.name.c_str());
    compareTextOutputs(c.name + " bf16 vs bf16 golden", reduced, golden, kBfloat16Tolerance, true);
  }
}

INSTANTIATE_TEST_SUITE_P(Folders, TextGolden, ::testing::ValuesIn(allCases()),
                         [](const ::testing::TestParamInfo<TextGoldenCase>& info) {
                           auto safe = gtestSafeName(info.param.name);
                           // Two folders may sanitize alike: keep names unique.
                           return safe == info.param.name ? safe
                                                          : safe + "_" + std::to_string(info.index);
                         });

TEST(TextGoldenScan, FindsEncoderFolders) {
  ASSERT_FALSE(allCases().empty())
      << "no subfolder with config.json under " << textGoldenRoot() << " (set FLUXDESK_GOLDEN_DIR)";
  for (const auto& c : allCases()) EXPECT_NE(c.kind, TextModelKind::Unknown) << c.kindProblem;
}

// The first float32 T5 folder, found by model type (nullptr when none).
const TextGoldenCase* firstFloat32T5() {
  for (const auto& c : allCases())
    if (c.kind == TextModelKind::T5Encoder &&
        dominantFloatDtype(c.folder / "weights.safetensors") == DType::F32)
      return &c;
  return nullptr;
}

// The real FLUX T5 file holds only shared.weight, others only
// encoder.embed_tokens.weight: both must load and give the same outputs.
TEST(TextGoldenT5Checkpoint, LoadsWithEitherEmbeddingName) {
  const TextGoldenCase* t5 = firstFloat32T5();
  ASSERT_NE(t5, nullptr) << "no float32 T5 folder under " << textGoldenRoot();
  auto source = SafetensorsFile::open((t5->folder / "weights.safetensors").string());
  ASSERT_TRUE(source.ok()) << source.error().message;
  const SafetensorsFile& file = *source.value();
  const TensorInfo* embedding = file.find("shared.weight");
  if (!embedding) embedding = file.find("encoder.embed_tokens.weight");
  ASSERT_NE(embedding, nullptr) << file.path() << " has no token embedding";

  const TensorMap golden = readTensorFile(t5->folder / "tensors.safetensors");
  TempDir temp("t5-embedding");
  for (const std::string keptName : {"shared.weight", "encoder.embed_tokens.weight"}) {
    SCOPED_TRACE("embedding stored only as " + keptName);
    std::vector<TensorToWrite> tensors;
    for (const auto& info : file.tensors()) {
      if (info.name == "shared.weight" || info.name == "encoder.embed_tokens.weight") continue;
      tensors.push_back({info.name, info.dtype, info.shape, {}, file.data(info), info.byteSize()});
    }
    tensors.push_back({keptName,
                       embedding->dtype,
                       embedding->shape,
                       {},
                       file.data(*embedding),
                       embedding->byteSize()});
    const fs::path path = temp / (keptName + ".safetensors");
    auto written = writeSafetensors(path.string(), tensors);
    ASSERT_TRUE(written.ok()) << written.error().message;

    auto outputs = runTextEncoder(TextModelKind::T5Encoder, path, t5->configText,
                                  golden.at("input_ids"), torch::kFloat);
    TensorMap lastOnly{{"last_hidden_state", golden.at("last_hidden_state")}};
    compareTextOutputs(t5->name + " only " + keptName, outputs, lastOnly, kFloat32Tolerance, true);
  }
}

// bfloat16 weights computed in float32 (what `auto` picks on CPUs without
// fast bfloat16 products): within the bfloat16 bounds of the float32 golden,
// closer to it than a bfloat16 run, and the activations stay float32.
TEST(TextGoldenMixedPrecision, Bf16WeightsFloat32ComputeMatchGolden) {
  int cases = 0;
  for (const auto& c : allCases()) {
    if (c.kind == TextModelKind::Unknown ||
        dominantFloatDtype(c.folder / "weights.safetensors") != DType::F32)
      continue;
    const TensorMap golden = readTensorFile(c.folder / "tensors.safetensors");
    const auto weights = c.folder / "weights.safetensors";
    auto mixed = runTextEncoder(c.kind, weights, c.configText, golden.at("input_ids"),
                                torch::kBFloat16, torch::kFloat);
    EXPECT_EQ(mixed.at("last_hidden_state").scalar_type(), torch::kFloat) << c.name;
    compareTextOutputs(c.name + " bf16 weights, float32 compute", mixed, golden, kBfloat16Tolerance,
                       true);
    auto bf16 =
        runTextEncoder(c.kind, weights, c.configText, golden.at("input_ids"), torch::kBFloat16);
    const auto& expected = golden.at("last_hidden_state");
    const double mixedError =
        (mixed.at("last_hidden_state").to(torch::kFloat) - expected).abs().max().item<double>();
    const double bf16Error =
        (bf16.at("last_hidden_state").to(torch::kFloat) - expected).abs().max().item<double>();
    std::printf("%s: max error bf16 weights + float32 compute %.3g, bf16 compute %.3g\n",
                c.name.c_str(), mixedError, bf16Error);
    EXPECT_LE(mixedError, bf16Error) << c.name;
    ++cases;
  }
  EXPECT_GT(cases, 0) << "no float32 text cases under " << textGoldenRoot();
}

// Newer CLIP configs pool at the first position holding eos_token_id; for
// FLUX inputs that is the row the legacy argmax rule takes (README).
TEST(TextGoldenClipPooling, EosTokenRuleMatchesLegacyRule) {
  const TextGoldenCase* clip = nullptr;
  for (const auto& c : allCases())
    if (c.kind == TextModelKind::ClipText &&
        dominantFloatDtype(c.folder / "weights.safetensors") == DType::F32) {
      clip = &c;
      break;
    }
  ASSERT_NE(clip, nullptr) << "no float32 CLIP folder under " << textGoldenRoot();
  const TensorMap golden = readTensorFile(clip->folder / "tensors.safetensors");
  ASSERT_TRUE(golden.count("pooler_output")) << clip->folder << ": no pooler_output";
  const torch::Tensor ids = golden.at("input_ids");
  auto config = nlohmann::json::parse(clip->configText);
  config["eos_token_id"] = ids.max().item<int64_t>();  // the EOS id (49407 for CLIP-L)
  ASSERT_NE(config["eos_token_id"].get<int64_t>(), 2);
  auto outputs = runTextEncoder(TextModelKind::ClipText, clip->folder / "weights.safetensors",
                                config.dump(), ids, torch::kFloat);
  TensorMap pooledOnly{{"pooler_output", golden.at("pooler_output")}};
  compareTextOutputs(clip->name + " eos_token_id rule", outputs, pooledOnly, kFloat32Tolerance,
                     true);
  expectPooledRows(clip->name + " eos_token_id rule", outputs, golden);
}

TEST(TextEncoderDtype, T5NeverRunsInFloat16) {
  EXPECT_EQ(t5SafeDtype(torch::kHalf), torch::kBFloat16);
  EXPECT_EQ(t5SafeDtype(torch::kBFloat16), torch::kBFloat16);
  EXPECT_EQ(t5SafeDtype(torch::kFloat), torch::kFloat);

  T5Params tiny;
  tiny.vocab_size = 16;
  tiny.d_model = 8;
  tiny.d_kv = 4;
  tiny.d_ff = 16;
  tiny.num_heads = 2;
  tiny.num_layers = 1;
  T5Encoder model(tiny);
  model->to(torch::kHalf);
  auto ids = torch::zeros({1, 4}, torch::kLong);
  EXPECT_THROW(model->forward(ids), c10::Error);
}

TEST(TextEncoderConfig, RejectsUnusableParams) {
  ClipTextParams clip;
  clip.hidden_act = "swish_v9";
  EXPECT_THROW(ClipTextModel{clip}, std::invalid_argument);
  clip = ClipTextParams{};
  clip.num_attention_heads = 7;  // 768 is not divisible by 7
  EXPECT_THROW(ClipTextModel{clip}, std::invalid_argument);
  T5Params t5;
  t5.relative_attention_num_buckets = 31;
  EXPECT_THROW(T5Encoder{t5}, std::invalid_argument);
}

}  // namespace
}  // namespace fd::test
