// The demo model folder: deterministic bytes, the Hugging Face layout that
// discovery recognises, tokenizers the project made, weights that map and
// whose architecture is read back from their shapes.
#include "demo/demo_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "demo/demo_tokenizers.h"
#include "demo/demo_weights.h"
#include "demo/random_safetensors.h"
#include "support/test_paths.h"
#include "text/clip_tokenizer.h"
#include "text/t5_tokenizer.h"
#include "weights/checkpoint.h"
#include "weights/model_files.h"
#include "weights/safetensors_writer.h"
#include "weights/weight_map.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

std::map<std::string, std::string> folderBytes(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root))
    if (entry.is_regular_file())
      files[fs::relative(entry.path(), root).string()] = readTextFile(entry.path());
  return files;
}

class DemoModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("demo-model");
    const Status written = writeDemoModel((dir_->path() / "demo").string());
    ASSERT_TRUE(written.ok()) << written.error().message;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static fs::path root() { return dir_->path() / "demo"; }
  static TempDir* dir_;
};
TempDir* DemoModel::dir_ = nullptr;

TEST_F(DemoModel, SameBytesEveryTime) {
  const fs::path again = dir_->path() / "again";
  ASSERT_TRUE(writeDemoModel(again.string()).ok());
  const auto first = folderBytes(root());
  const auto second = folderBytes(again);
  ASSERT_EQ(first.size(), second.size());
  EXPECT_GE(first.size(), 20u);
  for (const auto& [name, bytes] : first) {
    ASSERT_EQ(second.count(name), 1u) << name;
    EXPECT_TRUE(bytes == second.at(name)) << name << " differs between two writes";
  }
  // Writing over an existing demo folder gives the same bytes again.
  ASSERT_TRUE(writeDemoModel(again.string()).ok());
  EXPECT_TRUE(folderBytes(again) == first);
}

TEST_F(DemoModel, DiscoveredAsAHuggingFaceSnapshot) {
  ModelLocation location;
  location.folder = root().string();
  auto files = discoverModelFiles(location);
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_TRUE(files->complete());
  EXPECT_FALSE(files->modelIndexPath.empty());
  // The model card names it and says its weights are random.
  const std::optional<ModelCard> card = readModelCard(readTextFile(files->modelIndexPath));
  ASSERT_TRUE(card.has_value());
  EXPECT_EQ(card->name, "FluxDesk demo");
  EXPECT_EQ(card->id, "fluxdesk-demo");
  EXPECT_EQ(card->ownedBy, "fluxdesk");
  EXPECT_TRUE(card->randomWeights);
  EXPECT_TRUE(isCurrentDemoModel(root().string()));
  // The transformer and T5 are sharded: an index and two shards each.
  EXPECT_EQ(fs::path(files->transformer.path).filename(),
            "diffusion_pytorch_model.safetensors.index.json");
  ASSERT_EQ(files->transformer.files.size(), 2u);
  EXPECT_NE(files->transformer.files[1].find("diffusion_pytorch_model-00002-of-00002.safetensors"),
            std::string::npos);
  EXPECT_EQ(files->t5.files.size(), 2u);
  EXPECT_EQ(fs::path(files->t5.path).filename(), "model.safetensors.index.json");
  EXPECT_FALSE(files->transformer.configPath.empty());
  EXPECT_FALSE(files->autoencoder.configPath.empty());
}

TEST(ModelCard, ReadBackAsWrittenAndBrokenCardsAreNone) {
  ModelCard card;
  card.name = "My model";
  card.id = "me/my-model";
  card.ownedBy = "me";
  card.description = "a test";
  card.randomWeights = true;
  card.revision = 7;
  const std::string index = std::string(R"({"_class_name": "FluxPipeline", ")") + kModelCardKey +
                            "\": " + modelCardJson(card) + "}";
  const std::optional<ModelCard> back = readModelCard(index);
  ASSERT_TRUE(back.has_value()) << index;
  EXPECT_EQ(back->name, card.name);
  EXPECT_EQ(back->id, card.id);
  EXPECT_EQ(back->ownedBy, card.ownedBy);
  EXPECT_EQ(back->description, card.description);
  EXPECT_TRUE(back->randomWeights);
  EXPECT_EQ(back->revision, 7);
  const std::string key = kModelCardKey;
  for (const std::string& broken :
       {std::string(R"({"_class_name": "FluxPipeline"})"), std::string("not json"),
        "{\"" + key + "\": true}", "{\"" + key + "\": {\"name\": \"x\"}}",
        "{\"" + key + "\": {\"name\": \"\", \"id\": \"x\"}}",
        "{\"" + key + "\": {\"name\": 3, \"id\": \"x\"}}",
        // The old demo marker is no card: ensureDemoModel rewrites such folders.
        std::string(R"({"_fluxdesk_demo": true})")})
    EXPECT_FALSE(readModelCard(broken).has_value()) << broken;
}

// Runs ensureDemoModel and fails with its message when it reports an error.
void expectEnsured(const fs::path& folder) {
  const Status ensured = ensureDemoModel(folder.string());
  ASSERT_TRUE(ensured.ok()) << ensured.error().message;
}

TEST(DemoModelFolder, EnsureWritesMissingPartialAndOutdatedFoldersOnly) {
  TempDir dir("demo-ensure");
  const fs::path folder = dir.path() / "demo";
  EXPECT_FALSE(isCurrentDemoModel(folder.string()));
  ASSERT_NO_FATAL_FAILURE(expectEnsured(folder));
  ASSERT_TRUE(isCurrentDemoModel(folder.string()));
  const auto written = folderBytes(folder);

  // Current: left alone (a file of ours added to it stays).
  writeTextFile(folder / "keep.txt", "x");
  ASSERT_NO_FATAL_FAILURE(expectEnsured(folder));
  EXPECT_TRUE(fs::exists(folder / "keep.txt"));
  fs::remove(folder / "keep.txt");

  // Interrupted before model_index.json (written last): written again.
  fs::remove(folder / "model_index.json");
  fs::remove(folder / "vae" / "diffusion_pytorch_model.safetensors");
  EXPECT_FALSE(isCurrentDemoModel(folder.string()));
  ASSERT_NO_FATAL_FAILURE(expectEnsured(folder));
  EXPECT_TRUE(folderBytes(folder) == written);

  // Written by an older FluxDesk (the marker, no card): written again.
  writeTextFile(folder / "model_index.json",
                R"({"_class_name": "FluxPipeline", "_fluxdesk_demo": true})");
  EXPECT_FALSE(isCurrentDemoModel(folder.string()));
  ASSERT_NO_FATAL_FAILURE(expectEnsured(folder));
  EXPECT_TRUE(folderBytes(folder) == written);
}

TEST_F(DemoModel, WeightsMapAndTheirArchitectureIsTheDemos) {
  auto transformer = Checkpoint::open(
      (root() / "transformer" / "diffusion_pytorch_model.safetensors.index.json").string());
  ASSERT_TRUE(transformer.ok()) << transformer.error().message;
  auto flux = mapFluxTransformer(*transformer);
  ASSERT_TRUE(flux.ok()) << flux.error().message;
  EXPECT_EQ(flux->naming, WeightNaming::Diffusers);
  auto fluxParams = detectFluxParams(*flux, readTextFile(root() / "transformer" / "config.json"));
  ASSERT_TRUE(fluxParams.ok()) << fluxParams.error().message;
  EXPECT_EQ(fluxParams->hidden_size, 32);
  EXPECT_EQ(fluxParams->num_heads, 2);
  EXPECT_EQ(fluxParams->depth, 2);
  EXPECT_EQ(fluxParams->depth_single_blocks, 2);
  EXPECT_EQ(fluxParams->axes_dim, (std::vector<int64_t>{4, 6, 6}));
  EXPECT_FALSE(fluxParams->guidance_embed);

  auto vae = Checkpoint::open((root() / "vae" / "diffusion_pytorch_model.safetensors").string());
  ASSERT_TRUE(vae.ok());
  auto ae = mapAutoencoder(*vae);
  ASSERT_TRUE(ae.ok()) << ae.error().message;
  auto aeParams = detectAutoencoderParams(*ae, readTextFile(root() / "vae" / "config.json"));
  ASSERT_TRUE(aeParams.ok()) << aeParams.error().message;
  EXPECT_EQ(aeParams->ch, 32);
  EXPECT_EQ(aeParams->ch_mult, (std::vector<int64_t>{1, 1, 2, 2}));
  EXPECT_EQ(aeParams->z_channels, 16);

  auto t5 = Checkpoint::open((root() / "text_encoder_2" / "model.safetensors.index.json").string());
  ASSERT_TRUE(t5.ok());
  auto t5Map = mapT5Encoder(*t5);
  ASSERT_TRUE(t5Map.ok()) << t5Map.error().message;
  auto t5Params = detectT5Params(*t5Map, readTextFile(root() / "text_encoder_2" / "config.json"));
  ASSERT_TRUE(t5Params.ok()) << t5Params.error().message;
  EXPECT_EQ(t5Params->d_model, fluxParams->context_in_dim);

  auto clip = Checkpoint::open((root() / "text_encoder" / "model.safetensors").string());
  ASSERT_TRUE(clip.ok());
  auto clipMap = mapClipText(*clip);
  ASSERT_TRUE(clipMap.ok()) << clipMap.error().message;
  auto clipParams =
      detectClipTextParams(*clipMap, readTextFile(root() / "text_encoder" / "config.json"));
  ASSERT_TRUE(clipParams.ok()) << clipParams.error().message;
  EXPECT_EQ(clipParams->hidden_size, fluxParams->vec_in_dim);
  EXPECT_EQ(clipParams->max_position_embeddings, 77);
}

TEST_F(DemoModel, TokenizersAreTheProjectsOwnAndWork) {
  auto clip = ClipTokenizer::fromFolder((root() / "tokenizer").string());
  ASSERT_TRUE(clip.ok()) << clip.error().message;
  const std::string merges = readTextFile(root() / "tokenizer" / "merges.txt");
  const auto mergeLines =
      std::count(merges.begin(), merges.end(), '\n') - 1;  // minus the #version line
  EXPECT_GE(mergeLines, 200);
  // The specials are the last two ids: CLIP pools at argmax(ids).
  EXPECT_EQ(clip->startId(), 512 + mergeLines);
  EXPECT_EQ(clip->endId(), 512 + mergeLines + 1);
  auto ids = clip->encode("a lighthouse on a rocky cliff at sunset");
  ASSERT_TRUE(ids.ok()) << ids.error().message;
  EXPECT_EQ(ids->ids.front(), clip->startId());
  EXPECT_EQ(ids->ids.size(), 77u);
  // Learned merges make frequent corpus words short.
  EXPECT_LT(ids->length, 2 + 30);

  auto t5 = T5Tokenizer::fromModelFile((root() / "tokenizer_2" / "spiece.model").string());
  ASSERT_TRUE(t5.ok()) << t5.error().message;
  EXPECT_EQ(t5->padId(), 0);
  EXPECT_EQ(t5->endId(), 1);
  EXPECT_EQ(t5->vocabularySize(), 400 + T5Tokenizer::kExtraIdCount);
  auto pieces = t5->encode("a lighthouse on a rocky cliff at sunset");
  ASSERT_TRUE(pieces.ok()) << pieces.error().message;
  EXPECT_EQ(pieces->ids.size(), 256u);
  EXPECT_GT(pieces->length, 3);
  EXPECT_EQ(pieces->ids[size_t(pieces->length - 1)], 1);  // </s>
}

TEST(DemoTokenizers, BpeLearnsFrequentPairsFirst) {
  const auto vocab = learnClipStyleBpe("the the the then thence other", 3);
  ASSERT_EQ(vocab.merges.size(), 3u);
  // "t h" (and "th e</w>"...) appear in every word; ties break by the pair's text.
  EXPECT_EQ(vocab.merges[0], (std::pair<std::string, std::string>{"t", "h"}));
  EXPECT_EQ(vocab.tokens.size(), 512u + 3u + 2u);
  EXPECT_EQ(vocab.tokens[0], "!");
  EXPECT_EQ(vocab.tokens[256], "!</w>");
  EXPECT_EQ(vocab.tokens.back(), "<|endoftext|>");
  EXPECT_EQ(clipMergesText(vocab).rfind("#version: 0.2\nt h\n", 0), 0u);
}

TEST(RandomSafetensors, StreamedFileHasTheBytesOfWriteSafetensors) {
  TempDir dir("random-safetensors");
  std::vector<RandomTensorSpec> specs(4);
  specs[0] = {"a.weight", DType::F32, {3, 5}, 0.0, 0.5};
  specs[1] = {"b.weight", DType::F16, {7}, 0.25, 0.1};
  specs[2] = {"c.norm", DType::BF16, {2, 3, 4}, 1.0, 0.0};
  specs[3] = {"d.empty", DType::BF16, {0}, 0.0, 1.0};
  const std::map<std::string, std::string> metadata{{"format", "pt"}};
  ASSERT_TRUE(
      writeRandomSafetensors((dir.path() / "streamed.safetensors").string(), specs, metadata).ok());

  std::vector<TensorToWrite> filled;
  for (const auto& spec : specs) {
    TensorToWrite t;
    t.name = spec.name;
    t.dtype = spec.dtype;
    t.shape = spec.shape;
    fillRandomTensor(spec, t.bytes);
    filled.push_back(std::move(t));
  }
  ASSERT_TRUE(writeSafetensors((dir.path() / "whole.safetensors").string(), filled, metadata).ok());
  const std::string streamed = readTextFile(dir.path() / "streamed.safetensors");
  EXPECT_GT(streamed.size(), 15u * 4 + 7 * 2 + 24 * 2);
  EXPECT_TRUE(streamed == readTextFile(dir.path() / "whole.safetensors"));

  // Values stay in their range and differ; halfWidth 0 is exactly the mean.
  ASSERT_EQ(filled[0].bytes.size(), 15u * 4);
  std::set<float> values;
  for (size_t i = 0; i < 15; ++i) {
    float v;
    std::memcpy(&v, filled[0].bytes.data() + 4 * i, 4);
    EXPECT_GE(v, -0.5f);
    EXPECT_LT(v, 0.5f);
    values.insert(v);
  }
  EXPECT_EQ(values.size(), 15u);
  for (size_t i = 0; i < 24; ++i) {
    EXPECT_EQ(filled[2].bytes[2 * i], 0x80) << i;  // bfloat16 1.0 = 0x3f80, little endian
    EXPECT_EQ(filled[2].bytes[2 * i + 1], 0x3f) << i;
  }

  specs[1].name = "a.weight";
  EXPECT_EQ(writeRandomSafetensors((dir.path() / "dup.safetensors").string(), specs).error().kind,
            ErrorKind::BadRequest);
  EXPECT_FALSE(fs::exists(dir.path() / "dup.safetensors"));
}

// At FLUX.1's full depth the real-width tensor lists weigh what the published
// FLUX.1-schnell snapshot does: its transformer and T5 index files give
// total_size 23,782,357,120 and 9,524,621,312 bytes (bfloat16), its VAE has
// 83,819,683 parameters and CLIP-L's text model 123,060,480 (49,408 tokens).
TEST(RealWidthDemo, FullDepthWeighsWhatTheFluxSnapshotDoes) {
  const DemoArchitecture a = realWidthArchitecture(49408, 32128, {19, 38, 24});
  const auto style = DemoWeightStyle::RealWidths;
  auto endsWith = [](const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
  };
  size_t normScales = 0, biases = 0;  // how many the checks below saw
  auto bytes = [&](const std::vector<RandomTensorSpec>& specs) {
    uint64_t total = 0;
    for (const auto& s : specs) {
      EXPECT_EQ(s.dtype, DType::BF16) << s.name;
      // Norm scales are exactly 1 and biases 0 at real widths.
      const bool normScale = s.name.find("norm") != std::string::npos &&
                             endsWith(s.name, ".weight") && s.shape.size() == 1;
      if (normScale) {
        ++normScales;
        EXPECT_TRUE(s.mean == 1.0 && s.halfWidth == 0.0) << s.name;
      }
      if (endsWith(s.name, ".bias")) {
        ++biases;
        EXPECT_TRUE(s.mean == 0.0 && s.halfWidth == 0.0) << s.name;
      }
      total += s.byteCount();
    }
    return total;
  };
  EXPECT_EQ(bytes(demoTransformerTensors(a.flux, style)), 23782357120ull);
  EXPECT_EQ(bytes(demoT5Tensors(a.t5, style)), 9524621312ull);
  EXPECT_EQ(bytes(demoAutoencoderTensors(a.autoencoder, style)), 2ull * 83819683);
  EXPECT_EQ(bytes(demoClipTensors(a.clip, style)), 2ull * 123060480);
  // The name patterns above must still match something, or they check nothing.
  EXPECT_GT(normScales, 0u);
  EXPECT_GT(biases, 0u);
  // Weights keep activations at their scale: variance 1/fan_in.
  const auto small = demoTransformerTensors(realWidthArchitecture(914, 500, {1, 1, 1}).flux, style);
  auto toQ = std::find_if(small.begin(), small.end(), [](const RandomTensorSpec& s) {
    return s.name == "transformer_blocks.0.attn.to_q.weight";
  });
  ASSERT_NE(toQ, small.end()) << "no tensor transformer_blocks.0.attn.to_q.weight";
  EXPECT_NEAR(toQ->halfWidth / std::sqrt(3.0), 1.0 / std::sqrt(3072.0), 1e-12);
}

TEST(RealWidthDemo, DepthsOutOfRangeAreRejectedBeforeWriting) {
  TempDir dir("real-width-demo");
  DemoModelOptions options;
  options.scale = DemoScale::RealWidths;
  options.doubleBlocks = 0;
  auto s = writeDemoModel((dir.path() / "m").string(), options);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::BadRequest);
  EXPECT_NE(s.error().message.find("double blocks"), std::string::npos) << s.error().message;
  options.doubleBlocks = 2;
  options.singleBlocks = 39;
  EXPECT_NE(
      writeDemoModel((dir.path() / "m").string(), options).error().message.find("single blocks"),
      std::string::npos);
  options.singleBlocks = 4;
  options.t5Layers = 25;
  EXPECT_NE(writeDemoModel((dir.path() / "m").string(), options).error().message.find("T5 layers"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir.path() / "m"));
}

}  // namespace
}  // namespace fd::test
