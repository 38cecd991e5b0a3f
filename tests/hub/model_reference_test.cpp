// What `--model` means (a folder, a file, a preset or a repository) and the
// models already on disk (local_models.h), in caches built by hand
// (fake_hub_cache.h) with synthetic weights from the discovery tests.

#include <gtest/gtest.h>

#include <filesystem>

#include "discovery/discovery_test_util.h"
#include "hub/fake_hub_cache.h"
#include "hub/hub_cache.h"
#include "hub/local_models.h"
#include "hub/model_presets.h"
#include "weights/model_files.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ModelReference, FoldersFilesPresetsAndRepositories) {
  TempDir dir("hub-reference");
  FakeCache cache(dir / "hub");
  writeFile(dir / "models" / "flux1-schnell-Q4_K_S.gguf", "GGUF");
  writeFile(dir / "models" / "notes.txt", "hello");
  cache.add("org/model", kCommitA, "flux1-schnell.safetensors", "a");
  cache.add("org/model", kCommitB, "flux1-schnell.safetensors", "b");
  cache.ref("org/model", "main", kCommitA);
  cache.ref("org/model", "v2", kCommitB);
  cache.ref("org/model", "refs/pr/1", kCommitB);

  auto folder = resolveModelReference((dir / "models").string(), cache.dir());
  ASSERT_TRUE(folder.ok()) << folder.error().message;
  EXPECT_EQ(folder->folder, (dir / "models").string());
  EXPECT_TRUE(folder->transformerFile.empty());

  auto file =
      resolveModelReference((dir / "models" / "flux1-schnell-Q4_K_S.gguf").string(), cache.dir());
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->transformerFile, (dir / "models" / "flux1-schnell-Q4_K_S.gguf").string());
  EXPECT_EQ(file->folder, (dir / "models").string());

  auto notWeights = resolveModelReference((dir / "models" / "notes.txt").string(), cache.dir());
  ASSERT_FALSE(notWeights.ok());
  EXPECT_EQ(notWeights.error().kind, ErrorKind::ModelMissing);

  const std::string a = cache.snapshot("org/model", kCommitA).string();
  const std::string b = cache.snapshot("org/model", kCommitB).string();
  for (const auto& [reference, expected] :
       std::vector<std::pair<std::string, std::string>>{{"org/model", a},
                                                        {"org/model@main", a},
                                                        {"org/model@v2", b},
                                                        {"org/model@" + kCommitB, b},
                                                        {"org/model@refs/pr/1", b}}) {
    auto resolved = resolveModelReference(reference, cache.dir());
    ASSERT_TRUE(resolved.ok()) << reference << ": " << resolved.error().message;
    EXPECT_EQ(resolved->folder, expected) << reference;
    EXPECT_TRUE(resolved->transformerFile.empty()) << reference;
  }

  // A preset: its files (here: not downloaded, so what is missing).
  auto preset = resolveModelReference("flux1-schnell-q8_0", cache.dir());
  ASSERT_FALSE(preset.ok());
  EXPECT_TRUE(contains(preset.error().message,
                       "fluxdesk-cli download city96/FLUX.1-schnell-gguf --include "
                       "flux1-schnell-Q8_0.gguf"))
      << preset.error().message;
  cache.addPreset(*findPreset("flux1-schnell-q8_0"));
  preset = resolveModelReference("flux1-schnell-q8_0", cache.dir());
  ASSERT_TRUE(preset.ok()) << preset.error().message;
  EXPECT_TRUE(contains(preset->transformerFile, "flux1-schnell-Q8_0.gguf"));

  // Not in the cache: what was tried, and the command that downloads it.
  for (const auto& [reference, command] : std::vector<std::pair<std::string, std::string>>{
           {"org/other", "fluxdesk-cli download org/other"},
           {"org/model@v3", "fluxdesk-cli download org/model --revision v3"}}) {
    auto missing = resolveModelReference(reference, cache.dir());
    ASSERT_FALSE(missing.ok()) << reference;
    EXPECT_EQ(missing.error().kind, ErrorKind::ModelMissing);
    const std::string& m = missing.error().message;
    EXPECT_TRUE(contains(m, "does not exist here as a folder or file")) << m;
    EXPECT_TRUE(contains(m, "flux1-schnell-q4_k_s")) << m;  // the presets are listed
    EXPECT_TRUE(contains(m, cache.dir())) << m;
    EXPECT_TRUE(contains(m, command)) << m;
  }

  // Neither a path, a preset nor a valid repository id.
  const std::vector<std::string> invalidIds{"flux1-schnel",
                                            "org/na--me",
                                            "org/na..me",
                                            "a/b/c",
                                            "-org/name",
                                            "org/name-",
                                            "org/.name",
                                            "org/name.git",
                                            "org/name@",
                                            "org/",
                                            "/name",
                                            "org/na me",
                                            "org/" + std::string(97, 'x')};
  for (const std::string& reference : invalidIds) {
    auto invalid = resolveModelReference(reference, cache.dir());
    ASSERT_FALSE(invalid.ok()) << reference;
    EXPECT_EQ(invalid.error().kind, ErrorKind::ModelMissing) << reference;
    EXPECT_TRUE(contains(invalid.error().message, "not a Hugging Face repository id"))
        << invalid.error().message;
  }
  // Valid ids that are just not cached.
  const std::vector<std::string> validIds{"Org_1/Name-2.v3", "a/b", "org/" + std::string(96, 'x')};
  for (const std::string& reference : validIds) {
    auto valid = resolveModelReference(reference, cache.dir());
    ASSERT_FALSE(valid.ok());
    EXPECT_TRUE(contains(valid.error().message, "has no snapshot of")) << valid.error().message;
  }
  EXPECT_EQ(resolveModelReference("", cache.dir()).error().kind, ErrorKind::BadRequest);
}

// --- Models on disk ----------------------------------------------------

TEST(LocalModels, PresetsCacheRepositoriesAndComfyUi) {
  TempDir dir("hub-local");
  FakeCache cache(dir / "hub");
  // A complete preset; another of which only the shared tokenizers are there.
  cache.addPreset(*findPreset("flux1-schnell-q4_k_s"));
  // A whole (tiny, synthetic) FLUX.1 snapshot under another name, and a
  // repository whose weights are no FLUX.1 model.
  writeSnapshot(dir / "tree");
  cache.import("someone/flux-mirror", kCommitB, dir / "tree");
  writeSpec(dir / "lora" / "lora.safetensors", {{"lora_unet_x.alpha", {1}, DType::F32}});
  cache.import("someone/lora", kCommitA, dir / "lora");
  // A ComfyUI installation with its own model files, and one that is not there.
  const fs::path comfy = dir / "ComfyUI";
  writeSpec(comfy / "models" / "unet" / "flux1-schnell.safetensors", fluxSpec(tinyFluxParams()));
  writeSpec(comfy / "models" / "vae" / "ae.safetensors", autoencoderSpec(tinyAutoencoderParams()));
  writeSpec(comfy / "models" / "clip" / "clip_l.safetensors", clipSpec(tinyClipParams()));
  writeSpec(comfy / "models" / "clip" / "t5xxl_fp16.safetensors", t5Spec(tinyT5Params()));

  const auto models = listLocalModels(cache.dir(), {comfy.string(), (dir / "NoComfy").string()});
  std::vector<std::string> references;
  for (const auto& m : models) references.push_back(m.kind + ":" + m.reference);
  // The fp8 preset shares the tokenizer repositories with Q4_K_S: listed,
  // incomplete; the Q8_0 preset shares CLIP, the autoencoder and the
  // tokenizers. The official one has nothing: not listed.
  EXPECT_EQ(references,
            (std::vector<std::string>{"preset:flux1-schnell-q8_0", "preset:flux1-schnell-fp8",
                                      "preset:flux1-schnell-q4_k_s", "hub:someone/flux-mirror",
                                      "comfyui:" + (comfy / "models").string(),
                                      "comfyui:" + (dir / "NoComfy").string()}));
  ASSERT_EQ(models.size(), 6u);

  const LocalModel& q8 = models[0];
  EXPECT_FALSE(q8.complete);
  EXPECT_EQ(q8.missing,
            (std::vector<std::string>{
                "city96/FLUX.1-schnell-gguf: flux1-schnell-Q8_0.gguf (transformer)",
                "city96/t5-v1_1-xxl-encoder-gguf: t5-v1_1-xxl-encoder-Q8_0.gguf (t5)"}));
  EXPECT_GT(q8.bytesOnDisk, 0u);
  EXPECT_TRUE(q8.location.transformerFile.empty());
  EXPECT_FALSE(models[1].complete);
  EXPECT_EQ(models[1].missing.size(), 1u);

  const LocalModel& q4 = models[2];
  EXPECT_TRUE(q4.complete);
  EXPECT_TRUE(q4.missing.empty());
  EXPECT_EQ(q4.name, "FLUX.1 [schnell] GGUF Q4_K_S");
  EXPECT_TRUE(contains(q4.location.transformerFile, "flux1-schnell-Q4_K_S.gguf"));
  uint64_t q4Bytes = 0;
  for (const auto& part : findPreset("flux1-schnell-q4_k_s")->parts)
    for (const auto& f : part.include) q4Bytes += (part.repo + "/" + f).size();
  EXPECT_EQ(q4.bytesOnDisk, q4Bytes);

  const LocalModel& mirror = models[3];
  EXPECT_TRUE(mirror.complete);
  EXPECT_EQ(mirror.name, "someone/flux-mirror");
  EXPECT_EQ(mirror.location.folder, cache.snapshot("someone/flux-mirror", kCommitB).string());
  EXPECT_GT(mirror.bytesOnDisk, 0u);

  // ComfyUI's own files, the tokenizers from the cached snapshot that has both.
  const LocalModel& comfyModel = models[4];
  EXPECT_TRUE(comfyModel.complete) << (comfyModel.missing.empty() ? "" : comfyModel.missing[0]);
  EXPECT_EQ(comfyModel.location.folder, (comfy / "models").string());
  EXPECT_EQ(comfyModel.location.tokenizerFolder,
            cache.snapshot("someone/flux-mirror", kCommitB).string());
  EXPECT_GT(comfyModel.bytesOnDisk, 0u);
  EXPECT_EQ(comfyModel.name, "ComfyUI (" + comfy.string() + ")");

  const LocalModel& none = models[5];
  EXPECT_FALSE(none.complete);
  EXPECT_EQ(none.missing.size(), 6u);

  // A complete preset hides the cache repository it comes from: a whole
  // snapshot (discovery finds every component), the preset's files in it.
  cache.import("black-forest-labs/FLUX.1-schnell", kCommitA, dir / "tree");
  cache.addPreset(*findPreset("flux1-schnell"));
  ModelLocation bfl;
  bfl.folder = cache.snapshot("black-forest-labs/FLUX.1-schnell", kCommitA).string();
  ASSERT_TRUE(scanModelFiles(bfl).complete()) << describeModelFiles(scanModelFiles(bfl));
  const auto again = listLocalModels(cache.dir());
  ASSERT_FALSE(again.empty());
  EXPECT_EQ(again[0].reference, "flux1-schnell");
  EXPECT_TRUE(again[0].complete);
  for (const auto& m : again) EXPECT_NE(m.reference, "black-forest-labs/FLUX.1-schnell");
}

}  // namespace
}  // namespace fd::test
