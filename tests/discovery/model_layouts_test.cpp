// Model-folder discovery on the layouts users keep on disk, each built here
// from small synthetic tensors: the Hugging Face FLUX.1 snapshot (sharded
// diffusers transformer and T5), BFL single files at its root, a folder of
// single files with a separate tokenizer folder, a ComfyUI folder with
// prefixed keys and an fp8 T5, ComfyUI's models/ tree, an all-in-one
// checkpoint, GGUF transformers and T5 encoders (ComfyUI tree and single
// files, beside safetensors twins); and the error that lists every
// component when parts are missing. Each found component is then mapped and
// its architecture read.

#include <gtest/gtest.h>

#include <fstream>

#include "discovery/discovery_test_util.h"
#include "discovery/layout_builders.h"
#include "support/test_paths.h"
#include "weights/checkpoint.h"
#include "weights/model_files.h"
#include "weights/weight_map.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

std::string configText(const ComponentFiles& c) {
  return c.configPath.empty() ? std::string() : readTextFile(c.configPath);
}

WeightMap mapFound(const ComponentFiles& c) {
  if (!c.found) throw std::runtime_error(c.name + " not found");
  auto checkpoint = Checkpoint::open(c.path);
  if (!checkpoint) throw std::runtime_error(checkpoint.error().message);
  Result<WeightMap> map = makeError(ErrorKind::Internal, "unknown component " + c.name);
  if (c.name == "transformer") map = mapFluxTransformer(checkpoint.value());
  if (c.name == "autoencoder") map = mapAutoencoder(checkpoint.value());
  if (c.name == "clip") map = mapClipText(checkpoint.value());
  if (c.name == "t5") map = mapT5Encoder(checkpoint.value());
  if (!map) throw std::runtime_error(map.error().message);
  return std::move(map).value();
}

void expectComponents(const ModelFiles& files, const Expected& e) {
  ASSERT_TRUE(files.complete()) << describeModelFiles(files);
  WeightMap flux = mapFound(files.transformer);
  EXPECT_EQ(flux.naming, e.fluxNaming);
  auto fp = detectFluxParams(flux, configText(files.transformer));
  ASSERT_TRUE(fp.ok()) << fp.error().message;
  EXPECT_EQ(toJson(fp.value()), toJson(e.flux));

  WeightMap ae = mapFound(files.autoencoder);
  EXPECT_EQ(ae.naming, e.aeNaming);
  auto ap = detectAutoencoderParams(ae, configText(files.autoencoder));
  ASSERT_TRUE(ap.ok()) << ap.error().message;
  EXPECT_EQ(toJson(ap.value()), toJson(e.ae));

  WeightMap clip = mapFound(files.clip);
  EXPECT_EQ(clip.naming, e.clipNaming);
  auto cp = detectClipTextParams(clip, configText(files.clip));
  ASSERT_TRUE(cp.ok()) << cp.error().message;
  EXPECT_EQ(toJson(cp.value()), toJson(e.clip));

  WeightMap t5 = mapFound(files.t5);
  EXPECT_EQ(t5.naming, e.t5Naming);
  EXPECT_EQ(t5.find("encoder.block.0.layer.0.SelfAttention.q.weight")->dtype, e.t5Dtype);
  auto tp = detectT5Params(t5, configText(files.t5));
  ASSERT_TRUE(tp.ok()) << tp.error().message;
  EXPECT_EQ(toJson(tp.value()), toJson(e.t5));
}

std::string rel(const TempDir& dir, const std::string& path) {
  return fs::path(path).lexically_relative(dir.path()).string();
}

TEST(ModelLayouts, HuggingFaceSnapshotWithShardedTransformerAndT5) {
  TempDir dir("layout");
  Expected e = writeSnapshot(dir.path());
  ModelLocation location;
  location.folder = dir.path().string();
  auto files = discoverModelFiles(location);
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_EQ(files->layout, "hf-snapshot");
  EXPECT_EQ(rel(dir, files->modelIndexPath), "model_index.json");
  EXPECT_EQ(rel(dir, files->transformer.path),
            "transformer/diffusion_pytorch_model.safetensors.index.json");
  EXPECT_EQ(files->transformer.files.size(), 3u);
  EXPECT_EQ(rel(dir, files->transformer.files[2]),
            "transformer/diffusion_pytorch_model-00003-of-00003.safetensors");
  EXPECT_EQ(rel(dir, files->transformer.configPath), "transformer/config.json");
  EXPECT_EQ(files->transformer.source, "hf-snapshot");
  EXPECT_EQ(rel(dir, files->autoencoder.path), "vae/diffusion_pytorch_model.safetensors");
  EXPECT_EQ(rel(dir, files->clip.path), "text_encoder/model.safetensors");
  EXPECT_EQ(rel(dir, files->clip.configPath), "text_encoder/config.json");
  EXPECT_EQ(rel(dir, files->t5.path), "text_encoder_2/model.safetensors.index.json");
  EXPECT_EQ(files->t5.files.size(), 2u);
  EXPECT_EQ(rel(dir, files->clipTokenizer.path), "tokenizer");
  EXPECT_EQ(files->clipTokenizer.files.size(), 2u);
  EXPECT_EQ(rel(dir, files->t5Tokenizer.path), "tokenizer_2");
  expectComponents(files.value(), e);
}

TEST(ModelLayouts, SnapshotPrefersTheOfficialRootFiles) {
  TempDir dir("layout");
  Expected e = writeSnapshot(dir.path());
  writeSpec(dir / "flux1-schnell.safetensors", withDtype(fluxSpec(e.flux), DType::BF16));
  writeSpec(dir / "ae.safetensors", autoencoderSpec(e.ae));
  e.fluxNaming = e.aeNaming = WeightNaming::Official;
  ModelLocation location;
  location.folder = dir.path().string();
  auto files = discoverModelFiles(location);
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_EQ(files->layout, "hf-snapshot");
  EXPECT_EQ(rel(dir, files->transformer.path), "flux1-schnell.safetensors");
  EXPECT_EQ(files->transformer.source, "single-file");
  // The root file has no config of its own: the snapshot's transformer/ one
  // supplies the rope axes.
  EXPECT_EQ(rel(dir, files->transformer.configPath), "transformer/config.json");
  EXPECT_EQ(rel(dir, files->autoencoder.path), "ae.safetensors");
  EXPECT_EQ(rel(dir, files->autoencoder.configPath), "vae/config.json");
  expectComponents(files.value(), e);
}

TEST(ModelLayouts, FolderOfSingleFilesWithASeparateTokenizerFolder) {
  TempDir dir("layout");
  Expected e;
  e.flux = tinyFluxParams(/*guidance=*/true);
  fs::path models = dir / "models", tokenizers = dir / "tokenizers";
  writeSpec(models / "flux1-dev.safetensors", withDtype(fluxSpec(e.flux), DType::BF16));
  writeSpec(models / "ae.safetensors", autoencoderSpec(e.ae));
  writeSpec(models / "clip_l.safetensors", clipSpec(e.clip));
  writeSpec(models / "t5xxl_fp16.safetensors", withDtype(t5Spec(e.t5), DType::F16));
  e.t5Dtype = DType::F16;
  writeClipTokenizer(tokenizers / "clip-vit-large-patch14");
  writeT5Tokenizer(tokenizers / "t5-v1_1");

  ModelLocation location;
  location.folder = models.string();
  location.tokenizerFolder = tokenizers.string();
  auto files = discoverModelFiles(location);
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_EQ(files->layout, "single-files");
  EXPECT_EQ(rel(dir, files->transformer.path), "models/flux1-dev.safetensors");
  EXPECT_TRUE(files->transformer.configPath.empty());
  EXPECT_EQ(rel(dir, files->t5.path), "models/t5xxl_fp16.safetensors");
  EXPECT_EQ(rel(dir, files->clipTokenizer.path), "tokenizers/clip-vit-large-patch14");
  EXPECT_EQ(rel(dir, files->t5Tokenizer.path), "tokenizers/t5-v1_1");
  expectComponents(files.value(), e);

  // Explicit files override the folder; a given file that is not there is
  // reported as such, not replaced by the folder's.
  writeSpec(dir / "elsewhere" / "my_t5.safetensors", t5Spec(e.t5));
  location.t5File = (dir / "elsewhere" / "my_t5.safetensors").string();
  auto overridden = discoverModelFiles(location);
  ASSERT_TRUE(overridden.ok()) << overridden.error().message;
  EXPECT_EQ(rel(dir, overridden->t5.path), "elsewhere/my_t5.safetensors");
  EXPECT_EQ(overridden->t5.source, "explicit");
  location.t5File = (dir / "elsewhere" / "missing.safetensors").string();
  auto missing = discoverModelFiles(location);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("missing.safetensors does not exist"), std::string::npos)
      << missing.error().message;
}

TEST(ModelLayouts, ComfyFolderWithPrefixedKeysAndAnFp8T5) {
  TempDir dir("layout");
  Expected e;
  e.fluxNaming = e.aeNaming = e.clipNaming = WeightNaming::ComfyPrefixed;
  e.t5Dtype = DType::F8_E4M3;
  // The transformer's name says nothing: it is recognised by its keys.
  writeSpec(dir / "my-finetune-v2.safetensors",
            withPrefix(fluxSpec(e.flux), "model.diffusion_model."));
  writeSpec(dir / "ae.safetensors", withPrefix(autoencoderSpec(e.ae), "first_stage_model."));
  writeSpec(dir / "clip_l.safetensors",
            withPrefix(clipSpec(e.clip), "text_encoders.clip_l.transformer."));
  writeSpec(dir / "t5xxl_fp8_e4m3fn.safetensors", withDtype(t5Spec(e.t5), DType::F8_E4M3));
  writeSpec(dir / "a_lora.safetensors", {{"lora_unet_double_blocks_0.alpha", {1}, DType::F32}});
  writeFile(dir / "readme.txt", "not weights");
  writeClipTokenizer(dir / "tokenizer");
  writeT5Tokenizer(dir / "tokenizer_2");

  ModelLocation location;
  location.folder = dir.path().string();
  auto files = discoverModelFiles(location);
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_EQ(files->layout, "single-files");
  EXPECT_EQ(rel(dir, files->transformer.path), "my-finetune-v2.safetensors");
  EXPECT_EQ(files->transformer.source, "by keys");
  EXPECT_EQ(rel(dir, files->t5.path), "t5xxl_fp8_e4m3fn.safetensors");
  EXPECT_EQ(rel(dir, files->clipTokenizer.path), "tokenizer");
  EXPECT_EQ(rel(dir, files->t5Tokenizer.path), "tokenizer_2");
  expectComponents(files.value(), e);

  // With both T5 files present the full-precision one wins.
  writeSpec(dir / "t5xxl_fp16.safetensors", withDtype(t5Spec(e.t5), DType::F16));
  auto both = discoverModelFiles(location);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(rel(dir, both->t5.path), "t5xxl_fp16.safetensors");
}

TEST(ModelLayouts, ComfyModelsTreeAndAnAllInOneCheckpoint) {
  TempDir dir("layout");
  Expected e;
  e.t5Dtype = DType::F8_E4M3;
  writeSpec(dir / "models" / "unet" / "flux1-schnell-fp8.safetensors",
            withDtype(fluxSpec(e.flux), DType::F8_E4M3));
  writeSpec(dir / "models" / "vae" / "ae.safetensors", autoencoderSpec(e.ae));
  writeSpec(dir / "models" / "clip" / "clip_l.safetensors", clipSpec(e.clip));
  writeSpec(dir / "models" / "clip" / "t5xxl_fp8_e4m3fn.safetensors",
            withDtype(t5Spec(e.t5), DType::F8_E4M3));
  writeClipTokenizer(dir / "tok" / "tokenizer");
  writeT5Tokenizer(dir / "tok" / "tokenizer_2");
  ModelLocation location;
  location.folder = (dir / "models").string();
  location.tokenizerFolder = (dir / "tok").string();
  auto tree = discoverModelFiles(location);
  ASSERT_TRUE(tree.ok()) << tree.error().message;
  EXPECT_EQ(rel(dir, tree->transformer.path), "models/unet/flux1-schnell-fp8.safetensors");
  EXPECT_EQ(rel(dir, tree->autoencoder.path), "models/vae/ae.safetensors");
  EXPECT_EQ(rel(dir, tree->clip.path), "models/clip/clip_l.safetensors");
  EXPECT_EQ(rel(dir, tree->t5.path), "models/clip/t5xxl_fp8_e4m3fn.safetensors");
  EXPECT_EQ(rel(dir, tree->clipTokenizer.path), "tok/tokenizer");
  expectComponents(tree.value(), e);

  // One file holding all four models under ComfyUI's prefixes.
  Expected all;
  all.fluxNaming = all.aeNaming = all.clipNaming = all.t5Naming = WeightNaming::ComfyPrefixed;
  fs::path aio = dir / "aio";
  writeSpec(aio / "flux1-schnell-fp8.safetensors",
            concat({withPrefix(fluxSpec(all.flux), "model.diffusion_model."),
                    withPrefix(autoencoderSpec(all.ae), "vae."),
                    withPrefix(clipSpec(all.clip), "text_encoders.clip_l.transformer."),
                    withPrefix(t5Spec(all.t5), "text_encoders.t5xxl.transformer.")}));
  writeClipTokenizer(aio / "tokenizer");
  writeT5Tokenizer(aio / "tokenizer_2");
  location = ModelLocation{};
  location.folder = aio.string();
  auto single = discoverModelFiles(location);
  ASSERT_TRUE(single.ok()) << single.error().message;
  for (const ComponentFiles* c :
       {&single->transformer, &single->autoencoder, &single->clip, &single->t5})
    EXPECT_EQ(rel(dir, c->path), "aio/flux1-schnell-fp8.safetensors") << c->name;
  expectComponents(single.value(), all);
}

// The quantized files users download (city96's): tiny models here, so the
// quantization is q8_0 where rows are whole blocks of 32 (see withGgufTypes).
StateSpec fluxGguf(const FluxParams& p) { return withGgufTypes(fluxSpec(p), DType::Q8_0); }
StateSpec t5Gguf(const T5Params& p) { return withGgufTypes(t5ToLlamaCpp(t5Spec(p)), DType::Q8_0); }

bool hasNote(const ComponentFiles& c, const std::string& part) {
  for (const auto& note : c.notes)
    if (note.find(part) != std::string::npos) return true;
  return false;
}

TEST(ModelLayouts, ComfyModelsTreeWithGgufTransformerAndT5) {
  TempDir dir("layout");
  Expected e;
  e.t5Dtype = DType::Q8_0;
  writeGgufSpec(dir / "models" / "unet" / "flux1-schnell-Q4_K_S.gguf", fluxGguf(e.flux), "flux");
  writeGgufSpec(dir / "models" / "text_encoders" / "t5-v1_1-xxl-encoder-Q8_0.gguf", t5Gguf(e.t5),
                "t5encoder");
  writeSpec(dir / "models" / "clip" / "clip_l.safetensors", clipSpec(e.clip));
  writeSpec(dir / "models" / "vae" / "ae.safetensors", autoencoderSpec(e.ae));
  writeClipTokenizer(dir / "tok" / "tokenizer");
  writeT5Tokenizer(dir / "tok" / "tokenizer_2");
  ModelLocation location;
  location.folder = (dir / "models").string();
  location.tokenizerFolder = (dir / "tok").string();
  auto tree = discoverModelFiles(location);
  ASSERT_TRUE(tree.ok()) << tree.error().message;
  EXPECT_EQ(tree->layout, "single-files");
  EXPECT_EQ(rel(dir, tree->transformer.path), "models/unet/flux1-schnell-Q4_K_S.gguf");
  EXPECT_EQ(tree->transformer.source, "by keys");
  EXPECT_EQ(tree->transformer.files, std::vector<std::string>{tree->transformer.path});
  EXPECT_EQ(rel(dir, tree->t5.path), "models/text_encoders/t5-v1_1-xxl-encoder-Q8_0.gguf");
  EXPECT_EQ(rel(dir, tree->clip.path), "models/clip/clip_l.safetensors");
  EXPECT_EQ(rel(dir, tree->autoencoder.path), "models/vae/ae.safetensors");
  expectComponents(tree.value(), e);

  // ComfyUI's newer folder name for transformers.
  fs::create_directories(dir / "models" / "diffusion_models");
  fs::rename(dir / "models" / "unet" / "flux1-schnell-Q4_K_S.gguf",
             dir / "models" / "diffusion_models" / "flux1-schnell-Q4_K_S.gguf");
  auto moved = discoverModelFiles(location);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(rel(dir, moved->transformer.path), "models/diffusion_models/flux1-schnell-Q4_K_S.gguf");

  // A safetensors T5 beside the GGUF one: the safetensors file is used, as
  // before GGUF support, and the choice is noted.
  writeSpec(dir / "models" / "clip" / "t5xxl_fp8_e4m3fn.safetensors",
            withDtype(t5Spec(e.t5), DType::F8_E4M3));
  auto both = discoverModelFiles(location);
  ASSERT_TRUE(both.ok()) << both.error().message;
  EXPECT_EQ(rel(dir, both->t5.path), "models/clip/t5xxl_fp8_e4m3fn.safetensors");
  EXPECT_TRUE(hasNote(both->t5, "text_encoders/t5-v1_1-xxl-encoder-Q8_0.gguf also holds the t5"))
      << describeModelFiles(both.value());
  EXPECT_TRUE(hasNote(both->t5, "safetensors is preferred over GGUF"));
}

TEST(ModelLayouts, FolderOfSingleFilesWithGgufTransformerAndT5) {
  TempDir dir("layout");
  Expected e;
  e.t5Dtype = DType::Q8_0;
  writeGgufSpec(dir / "flux1-schnell-Q4_K_S.gguf", fluxGguf(e.flux), "flux");
  writeGgufSpec(dir / "t5-v1_1-xxl-encoder-Q8_0.gguf", t5Gguf(e.t5), "t5encoder");
  writeSpec(dir / "ae.safetensors", autoencoderSpec(e.ae));
  writeSpec(dir / "clip_l.safetensors", clipSpec(e.clip));
  writeClipTokenizer(dir / "tokenizer");
  writeT5Tokenizer(dir / "tokenizer_2");
  ModelLocation location;
  location.folder = dir.path().string();
  auto files = discoverModelFiles(location);
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_EQ(files->layout, "single-files");
  EXPECT_EQ(rel(dir, files->transformer.path), "flux1-schnell-Q4_K_S.gguf");
  EXPECT_EQ(files->transformer.source, "single-file");
  EXPECT_EQ(rel(dir, files->t5.path), "t5-v1_1-xxl-encoder-Q8_0.gguf");
  EXPECT_EQ(files->t5.source, "single-file");
  EXPECT_TRUE(files->transformer.notes.empty()) << files->transformer.notes.front();
  expectComponents(files.value(), e);

  // Which file holds what is read from the keys, not the name: a T5 under a
  // transformer's name is the T5, and the transformer is found by its keys.
  fs::rename(dir / "flux1-schnell-Q4_K_S.gguf", dir / "model.gguf");
  fs::rename(dir / "t5-v1_1-xxl-encoder-Q8_0.gguf", dir / "flux1-dev-Q8_0.gguf");
  auto renamed = discoverModelFiles(location);
  ASSERT_TRUE(renamed.ok()) << renamed.error().message;
  EXPECT_EQ(rel(dir, renamed->transformer.path), "model.gguf");
  EXPECT_EQ(renamed->transformer.source, "by keys");
  EXPECT_TRUE(hasNote(renamed->transformer, "flux1-dev-Q8_0.gguf holds t5, not transformer"));
  EXPECT_EQ(rel(dir, renamed->t5.path), "flux1-dev-Q8_0.gguf");
  expectComponents(renamed.value(), e);
  fs::rename(dir / "model.gguf", dir / "flux1-schnell-Q4_K_S.gguf");
  fs::rename(dir / "flux1-dev-Q8_0.gguf", dir / "t5-v1_1-xxl-encoder-Q8_0.gguf");

  // Both formats under names of equal rank: the safetensors file wins.
  writeSpec(dir / "flux1-schnell-fp8.safetensors", withDtype(fluxSpec(e.flux), DType::F8_E4M3));
  auto fp8 = discoverModelFiles(location);
  ASSERT_TRUE(fp8.ok()) << fp8.error().message;
  EXPECT_EQ(rel(dir, fp8->transformer.path), "flux1-schnell-fp8.safetensors");
  EXPECT_TRUE(hasNote(fp8->transformer,
                      "using flux1-schnell-fp8.safetensors (safetensors is preferred over GGUF); "
                      "flux1-schnell-Q4_K_S.gguf also holds the transformer"))
      << describeModelFiles(fp8.value());
  // BFL's own name outranks both.
  writeSpec(dir / "flux1-schnell.safetensors", fluxSpec(e.flux));
  auto official = discoverModelFiles(location);
  ASSERT_TRUE(official.ok());
  EXPECT_EQ(rel(dir, official->transformer.path), "flux1-schnell.safetensors");
  EXPECT_TRUE(
      hasNote(official->transformer, "flux1-schnell-Q4_K_S.gguf also holds the transformer"));
  fs::remove(dir / "flux1-schnell.safetensors");
  fs::remove(dir / "flux1-schnell-fp8.safetensors");

  // A GGUF file whose name ranks first is used over a safetensors twin
  // found only by its keys; the note says so.
  writeSpec(dir / "my-finetune.safetensors", fluxSpec(e.flux));
  auto ranked = discoverModelFiles(location);
  ASSERT_TRUE(ranked.ok());
  EXPECT_EQ(rel(dir, ranked->transformer.path), "flux1-schnell-Q4_K_S.gguf");
  EXPECT_TRUE(hasNote(ranked->transformer,
                      "using the GGUF file flux1-schnell-Q4_K_S.gguf (found first); "
                      "my-finetune.safetensors also holds the transformer"))
      << describeModelFiles(ranked.value());

  // An explicit GGUF file overrides the folder.
  writeGgufSpec(dir / "elsewhere" / "other-t5.gguf", t5Gguf(e.t5), "t5");
  location.t5File = (dir / "elsewhere" / "other-t5.gguf").string();
  auto given = discoverModelFiles(location);
  ASSERT_TRUE(given.ok()) << given.error().message;
  EXPECT_EQ(rel(dir, given->t5.path), "elsewhere/other-t5.gguf");
  EXPECT_EQ(given->t5.source, "explicit");
}

TEST(ModelLayouts, MissingPartsGiveOneErrorListingEveryComponent) {
  TempDir dir("layout");
  writeSpec(dir / "ae.safetensors", autoencoderSpec(tinyAutoencoderParams()));
  writeSpec(dir / "clip_l.safetensors", clipSpec(tinyClipParams()));
  writeSpec(dir / "flux1-schnell.safetensors", t5Spec(tinyT5Params()));  // misnamed: a T5 inside
  writeFile(dir / "tokenizer" / "vocab.json", "{}");                     // merges.txt missing
  ModelLocation location;
  location.folder = dir.path().string();
  auto result = discoverModelFiles(location);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::ModelMissing);
  const std::string& text = result.error().message;
  SCOPED_TRACE(text);
  EXPECT_NE(text.find("missing transformer, clip_tokenizer, t5_tokenizer"), std::string::npos);
  // One line per component, found or not.
  for (const char* name :
       {"transformer", "autoencoder", "clip", "t5", "clip_tokenizer", "t5_tokenizer"})
    EXPECT_NE(text.find(std::string("\n  ") + name + ": "), std::string::npos) << name;
  EXPECT_NE(text.find("  autoencoder: " + (dir / "ae.safetensors").string()), std::string::npos);
  // The misnamed file is the T5 (found by its keys) and not the transformer.
  EXPECT_NE(text.find("  t5: " + (dir / "flux1-schnell.safetensors").string()), std::string::npos);
  EXPECT_NE(text.find("flux1-schnell.safetensors holds t5, not transformer"), std::string::npos);
  // Where the transformer was looked for, and what was there instead.
  EXPECT_NE(text.find("  transformer: MISSING; looked in " + dir.path().string()),
            std::string::npos);
  EXPECT_NE(text.find((dir / "transformer").string()), std::string::npos);
  EXPECT_NE(text.find("ae.safetensors (autoencoder)"), std::string::npos);
  EXPECT_NE(text.find("clip_l.safetensors (clip)"), std::string::npos);
  EXPECT_NE(text.find("has vocab.json but no merges.txt"), std::string::npos);
  EXPECT_NE(text.find("no folder with spiece.model"), std::string::npos);

  // A folder that does not exist: every component says so.
  location.folder = (dir / "nowhere").string();
  auto nowhere = discoverModelFiles(location);
  ASSERT_FALSE(nowhere.ok());
  EXPECT_EQ(nowhere.error().kind, ErrorKind::ModelMissing);
  size_t mentions = 0;
  for (size_t pos = 0;
       (pos = nowhere.error().message.find("does not exist", pos)) != std::string::npos; ++pos)
    ++mentions;
  EXPECT_EQ(mentions, 6u) << nowhere.error().message;

  // Nothing given at all.
  auto nothing = discoverModelFiles(ModelLocation{});
  ASSERT_FALSE(nothing.ok());
  EXPECT_NE(nothing.error().message.find("no folder or file given"), std::string::npos);
}

TEST(ModelLayouts, BrokenShardIndexIsReportedNotFollowed) {
  TempDir dir("layout");
  Expected e = writeSnapshot(dir.path());
  fs::remove(dir / "text_encoder_2" / "model-00002-of-00002.safetensors");
  ModelLocation location;
  location.folder = dir.path().string();
  auto files = discoverModelFiles(location);
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.error().message.find("lists shard model-00002-of-00002.safetensors"),
            std::string::npos)
      << files.error().message;
  EXPECT_NE(files.error().message.find("missing t5"), std::string::npos);
}

}  // namespace
}  // namespace fd::test
