// The preset table and where a preset's files are (model_presets.h), in
// caches built by hand (fake_hub_cache.h).

#include "hub/model_presets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "hub/fake_hub_cache.h"
#include "hub/hub_cache.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kGiB = 1ull << 30;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ModelPresets, TableInvariants) {
  const auto& presets = modelPresets();
  ASSERT_GE(presets.size(), 4u);
  const std::set<std::string> roles{"transformer", "t5",         "clip",
                                    "autoencoder", "tokenizers", "all-in-one"};
  std::set<std::string> ids;
  for (const auto& p : presets) {
    SCOPED_TRACE(p.id);
    EXPECT_TRUE(ids.insert(p.id).second) << "duplicate id";
    EXPECT_EQ(findPreset(p.id), &p);
    EXPECT_FALSE(p.title.empty());
    EXPECT_FALSE(p.description.empty());
    EXPECT_GT(p.downloadBytes, 0u);
    EXPECT_GT(p.ramBytes, 0u);
    EXPECT_GT(p.vramBytes, 0u);
    std::set<std::string> covered;
    bool gated = false, singleFile = false, diffusersTransformer = false;
    for (const auto& part : p.parts) {
      SCOPED_TRACE(part.role + " " + part.repo);
      EXPECT_TRUE(roles.count(part.role));
      covered.insert(part.role);
      EXPECT_EQ(std::count(part.repo.begin(), part.repo.end(), '/'), 1) << "org/name";
      EXPECT_FALSE(part.revision.empty());
      ASSERT_FALSE(part.include.empty());
      // Exact file names: each is checked in the cache and fetched alone.
      for (const auto& f : part.include) EXPECT_EQ(f.find_first_of("*?["), std::string::npos) << f;
      // `file` (what ModelLocation points at) is one of them; a tokenizer
      // folder is the snapshot root or a folder the files are in.
      if (part.role == "tokenizers") {
        for (const auto& f : part.include)
          EXPECT_TRUE(part.file.empty() || f.rfind(part.file + "/", 0) == 0) << f;
      } else {
        EXPECT_NE(std::find(part.include.begin(), part.include.end(), part.file),
                  part.include.end())
            << part.file;
      }
      gated |= part.gated;
      for (const auto& f : part.include) {
        if (part.repo != "black-forest-labs/FLUX.1-schnell") continue;
        singleFile |= f == "flux1-schnell.safetensors";
        diffusersTransformer |= f.rfind("transformer/", 0) == 0;
      }
    }
    // Never both copies of the official transformer (23.8 GB each).
    EXPECT_FALSE(singleFile && diffusersTransformer);
    const bool separate = covered.count("transformer") && covered.count("t5") &&
                          covered.count("clip") && covered.count("autoencoder");
    EXPECT_TRUE(separate || covered.count("all-in-one")) << "every model component";
    EXPECT_TRUE(covered.count("tokenizers"));
    // A gated part names the page to accept its licence at.
    EXPECT_EQ(gated, !p.licenceUrl.empty());
    // Memory: offload-text on the CPU never needs more than everything
    // resident; the GPU holds at least the transformer.
    EXPECT_LT(p.ramBytes, p.downloadBytes + 3 * kGiB);
    EXPECT_LE(p.vramBytes, p.downloadBytes + 2 * kGiB);
  }
  EXPECT_EQ(findPreset("no-such-preset"), nullptr);

  // Only the official weights need a token.
  for (const char* id : {"flux1-schnell-q8_0", "flux1-schnell-fp8", "flux1-schnell-q4_k_s"}) {
    const ModelPreset* p = findPreset(id);
    ASSERT_NE(p, nullptr) << id;
    for (const auto& part : p->parts) EXPECT_FALSE(part.gated) << id << " " << part.repo;
  }
  const ModelPreset* official = findPreset("flux1-schnell");
  ASSERT_NE(official, nullptr);
  EXPECT_TRUE(std::all_of(official->parts.begin(), official->parts.end(),
                          [](const PresetPart& p) { return p.gated; }));

  // Sizes: the official layout is about 33.9 GB, Q4_K_S about 10.8 GB; the
  // memory rule reproduces the measured 8.7 GiB peak of Q4_K on the CPU.
  EXPECT_NEAR(official->downloadBytes / 1e9, 33.9, 0.1);
  const ModelPreset* q4 = findPreset("flux1-schnell-q4_k_s");
  const ModelPreset* q8 = findPreset("flux1-schnell-q8_0");
  const ModelPreset* fp8 = findPreset("flux1-schnell-fp8");
  ASSERT_TRUE(q4 && q8 && fp8);
  EXPECT_NEAR(q4->downloadBytes / 1e9, 10.75, 0.1);
  EXPECT_NEAR(double(q4->ramBytes) / kGiB, 8.7, 0.3);
  EXPECT_LT(q4->ramBytes, fp8->ramBytes);
  EXPECT_LT(fp8->ramBytes, q8->ramBytes);
  EXPECT_LT(q8->ramBytes, official->ramBytes);
  EXPECT_LT(q4->vramBytes, fp8->vramBytes);
  EXPECT_LT(fp8->vramBytes, q8->vramBytes);
  EXPECT_LT(q8->vramBytes, official->vramBytes);
}

TEST(ModelPresets, RecommendsTheLargestThatFits) {
  const uint64_t noGpu = 0;
  // On the CPU, by RAM.
  EXPECT_EQ(recommendPreset(8 * kGiB, noGpu), std::nullopt);  // even Q4_K_S peaks at ~8.6 GiB
  EXPECT_EQ(recommendPreset(12 * kGiB, noGpu), "flux1-schnell-q4_k_s");
  EXPECT_EQ(recommendPreset(16 * kGiB, noGpu), "flux1-schnell-q8_0");
  EXPECT_EQ(recommendPreset(24 * kGiB, noGpu), "flux1-schnell-q8_0");
  EXPECT_EQ(recommendPreset(64 * kGiB, noGpu), "flux1-schnell");
  // With a GPU, by its memory (the text encoders' home is RAM).
  EXPECT_EQ(recommendPreset(16 * kGiB, 12 * kGiB), "flux1-schnell-q4_k_s");
  EXPECT_EQ(recommendPreset(16 * kGiB, 16 * kGiB), "flux1-schnell-q4_k_s");
  EXPECT_EQ(recommendPreset(8 * kGiB, 12 * kGiB),
            "flux1-schnell-q4_k_s");  // little RAM, a GPU: still runs
  EXPECT_EQ(recommendPreset(32 * kGiB, 24 * kGiB), "flux1-schnell-q8_0");
  EXPECT_EQ(recommendPreset(64 * kGiB, 48 * kGiB), "flux1-schnell");
  // A GPU too small for any: by RAM (the engine streams blocks to it).
  EXPECT_EQ(recommendPreset(16 * kGiB, 8 * kGiB), "flux1-schnell-q8_0");
  EXPECT_EQ(recommendPreset(8 * kGiB, 8 * kGiB), std::nullopt);
  EXPECT_EQ(recommendPreset(64 * kGiB, 8 * kGiB), "flux1-schnell");
  // The whole matrix: whatever is recommended fits.
  for (uint64_t ram : {8, 16, 24, 64})
    for (uint64_t gpu : {0, 8, 12, 24}) {
      auto id = recommendPreset(ram * kGiB, gpu * kGiB);
      if (!id) continue;
      const ModelPreset* p = findPreset(*id);
      ASSERT_NE(p, nullptr);
      EXPECT_TRUE(p->ramBytes <= ram * kGiB || (gpu > 0 && p->vramBytes <= gpu * kGiB))
          << ram << " GiB RAM, " << gpu << " GiB GPU: " << *id;
    }
}

// --- Where a preset's files are ----------------------------------------

TEST(ModelPresets, LocationFromTheCache) {
  TempDir dir("hub-presets");
  FakeCache cache(dir / "hub");
  const ModelPreset& q4 = *findPreset("flux1-schnell-q4_k_s");
  cache.addPreset(q4);
  auto q4Location = presetLocation(q4, cache.dir());
  ASSERT_TRUE(q4Location.ok()) << q4Location.error().message;
  const ModelLocation& l = q4Location.value();
  EXPECT_EQ(l.transformerFile,
            (cache.snapshot("city96/FLUX.1-schnell-gguf", kCommitA) / "flux1-schnell-Q4_K_S.gguf")
                .string());
  EXPECT_EQ(l.t5File, (cache.snapshot("city96/t5-v1_1-xxl-encoder-gguf", kCommitA) /
                       "t5-v1_1-xxl-encoder-Q5_K_M.gguf")
                          .string());
  EXPECT_EQ(l.clipFile,
            (cache.snapshot("comfyanonymous/flux_text_encoders", kCommitA) / "clip_l.safetensors")
                .string());
  EXPECT_EQ(l.autoencoderFile, (cache.snapshot("Comfy-Org/Lumina_Image_2.0_Repackaged", kCommitA) /
                                "split_files/vae/ae.safetensors")
                                   .string());
  // The two tokenizer repositories: one in tokenizerFolder, one in folder
  // (which gives the weights nothing: they are all explicit).
  EXPECT_EQ(l.tokenizerFolder, cache.snapshot("openai/clip-vit-large-patch14", kCommitA).string());
  EXPECT_EQ(l.folder, cache.snapshot("google/t5-v1_1-xxl", kCommitA).string());

  // The all-in-one file is every model component.
  const ModelPreset& fp8 = *findPreset("flux1-schnell-fp8");
  cache.addPreset(fp8);
  auto fp8Location = presetLocation(fp8, cache.dir());
  ASSERT_TRUE(fp8Location.ok()) << fp8Location.error().message;
  const std::string aio =
      (cache.snapshot("Comfy-Org/flux1-schnell", kCommitA) / "flux1-schnell-fp8.safetensors")
          .string();
  EXPECT_EQ(fp8Location->transformerFile, aio);
  EXPECT_EQ(fp8Location->autoencoderFile, aio);
  EXPECT_EQ(fp8Location->clipFile, aio);
  EXPECT_EQ(fp8Location->t5File, aio);

  // The official layout is one snapshot: it is the model folder too.
  const ModelPreset& official = *findPreset("flux1-schnell");
  cache.addPreset(official);
  auto officialLocation = presetLocation(official, cache.dir());
  ASSERT_TRUE(officialLocation.ok()) << officialLocation.error().message;
  const fs::path bfl = cache.snapshot("black-forest-labs/FLUX.1-schnell", kCommitA);
  EXPECT_EQ(officialLocation->folder, bfl.string());
  EXPECT_EQ(officialLocation->tokenizerFolder, bfl.string());
  EXPECT_EQ(officialLocation->transformerFile, (bfl / "flux1-schnell.safetensors").string());
  EXPECT_EQ(officialLocation->t5File,
            (bfl / "text_encoder_2/model.safetensors.index.json").string());
}

TEST(ModelPresets, MissingPartsAreNamed) {
  TempDir dir("hub-presets");
  FakeCache cache(dir / "hub");
  const ModelPreset& q4 = *findPreset("flux1-schnell-q4_k_s");
  cache.addPreset(q4);
  // CLIP's blob deleted (a broken link), the T5 still downloading.
  fs::remove(fs::canonical(cache.snapshot("comfyanonymous/flux_text_encoders", kCommitA) /
                           "clip_l.safetensors"));
  const fs::path t5 = cache.snapshot("city96/t5-v1_1-xxl-encoder-gguf", kCommitA) /
                      "t5-v1_1-xxl-encoder-Q5_K_M.gguf";
  const fs::path t5Blob = fs::canonical(t5);
  fs::rename(t5Blob, t5Blob.string() + ".incomplete");
  fs::remove(t5);
  cache.link("city96/t5-v1_1-xxl-encoder-gguf", kCommitA, "t5-v1_1-xxl-encoder-Q5_K_M.gguf",
             t5Blob.string() + ".incomplete");
  auto missing = presetLocation(q4, cache.dir());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::ModelMissing);
  const std::string& m = missing.error().message;
  EXPECT_TRUE(contains(m, "comfyanonymous/flux_text_encoders (clip: clip_l.safetensors)")) << m;
  EXPECT_TRUE(contains(m, "city96/t5-v1_1-xxl-encoder-gguf (t5: t5-v1_1-xxl-encoder-Q5_K_M.gguf)"))
      << m;
  EXPECT_FALSE(contains(m, "city96/FLUX.1-schnell-gguf")) << m;
  // One command per repository, for exactly what is missing.
  EXPECT_TRUE(contains(
      m,
      "\n  fluxdesk-cli download comfyanonymous/flux_text_encoders --include clip_l.safetensors"))
      << m;
  EXPECT_TRUE(contains(m,
                       "\n  fluxdesk-cli download city96/t5-v1_1-xxl-encoder-gguf --include "
                       "t5-v1_1-xxl-encoder-Q5_K_M.gguf"))
      << m;
  EXPECT_FALSE(contains(m, "fluxdesk-cli download city96/FLUX.1-schnell-gguf")) << m;
  EXPECT_TRUE(contains(m, cache.dir())) << m;
  EXPECT_FALSE(contains(m, "gated")) << m;

  // Nothing of the official preset: every part named, and how to get a token.
  auto official = presetLocation(*findPreset("flux1-schnell"), cache.dir());
  ASSERT_FALSE(official.ok());
  EXPECT_TRUE(contains(official.error().message,
                       "black-forest-labs/FLUX.1-schnell (transformer: "
                       "flux1-schnell.safetensors)"))
      << official.error().message;
  EXPECT_TRUE(contains(official.error().message, "gated")) << official.error().message;
  EXPECT_TRUE(
      contains(official.error().message, "https://huggingface.co/black-forest-labs/FLUX.1-schnell"))
      << official.error().message;
  EXPECT_TRUE(contains(official.error().message, "HF_TOKEN")) << official.error().message;
  // Every file of the one repository in one command.
  EXPECT_TRUE(contains(
      official.error().message,
      "\n  fluxdesk-cli download black-forest-labs/FLUX.1-schnell --include "
      "flux1-schnell.safetensors --include ae.safetensors --include text_encoder/config.json"))
      << official.error().message;
  EXPECT_EQ(std::count(official.error().message.begin(), official.error().message.end(), '\n'), 2)
      << official.error().message;
}

TEST(ModelPresets, PatternsAndRolesOfOtherPresets) {
  TempDir dir("hub-presets");
  FakeCache cache(dir / "hub");
  ModelPreset preset;
  preset.id = "custom";
  preset.title = "Custom";
  PresetPart aio;
  aio.role = "all-in-one";
  aio.repo = "org/aio";
  aio.include = {"model.safetensors"};
  aio.file = "model.safetensors";
  PresetPart tokenizers;
  tokenizers.role = "tokenizers";
  tokenizers.repo = "org/tok";
  tokenizers.include = {"tokenizer/*.json", "tokenizer_2/"};  // globs: at least one file each
  preset.parts = {aio, tokenizers};
  cache.add("org/aio", kCommitA, "model.safetensors", "weights");
  cache.ref("org/aio", "main", kCommitA);
  cache.add("org/tok", kCommitA, "tokenizer/vocab.json", "{}");
  cache.add("org/tok", kCommitA, "tokenizer/merges.txt", "#version: 0.2");
  cache.ref("org/tok", "main", kCommitA);
  auto missing = presetLocation(preset, cache.dir());
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(contains(missing.error().message, "org/tok (tokenizers: tokenizer_2/)"))
      << missing.error().message;
  cache.add("org/tok", kCommitA, "tokenizer_2/spiece.model", "spm");
  auto location = presetLocation(preset, cache.dir());
  ASSERT_TRUE(location.ok()) << location.error().message;
  EXPECT_EQ(location->tokenizerFolder, cache.snapshot("org/tok", kCommitA).string());
  EXPECT_EQ(location->folder, "");  // two repositories, one tokenizer folder
  EXPECT_EQ(location->t5File, (cache.snapshot("org/aio", kCommitA) / "model.safetensors").string());

  preset.parts[1].role = "bogus";
  EXPECT_EQ(presetLocation(preset, cache.dir()).error().kind, ErrorKind::Internal);
}

}  // namespace
}  // namespace fd::test
