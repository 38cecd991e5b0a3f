// The shared Hugging Face cache read from disk (hub_cache.h), the preset
// table and where a preset's files are (model_presets.h), what `--model`
// means, and the models already on disk (local_models.h). The caches are
// built by hand as huggingface_hub writes them: blobs/{etag},
// snapshots/{commit}/{path} as relative symlinks into blobs/, refs/{name}
// holding a commit.

#include "hub/model_presets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>

#include "discovery/discovery_test_util.h"
#include "discovery/layout_builders.h"
#include "hub/hub_cache.h"
#include "hub/local_models.h"
#include "support/test_paths.h"
#include "weights/model_files.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kGiB = 1ull << 30;

const std::string kCommitA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const std::string kCommitB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

// A hub cache on disk, written as huggingface_hub writes it.
class FakeCache {
 public:
  explicit FakeCache(fs::path root) : root_(std::move(root)) { fs::create_directories(root_); }
  const fs::path& root() const { return root_; }
  std::string dir() const { return root_.string(); }

  fs::path repoDir(const std::string& repo) const {
    std::string name = "models--" + repo;
    for (size_t at = name.find('/'); at != std::string::npos; at = name.find('/'))
      name.replace(at, 1, "--");
    return root_ / name;
  }
  fs::path snapshot(const std::string& repo, const std::string& commit) const {
    return repoDir(repo) / "snapshots" / commit;
  }

  // The blob (named by a hash of its contents, as an etag) and the relative
  // link to it from the snapshot. Returns the blob's path.
  fs::path add(const std::string& repo, const std::string& commit, const std::string& path,
               const std::string& contents, const std::string& blobSuffix = "") {
    const fs::path blob =
        repoDir(repo) / "blobs" / (std::to_string(std::hash<std::string>{}(contents)) + blobSuffix);
    fs::create_directories(blob.parent_path());
    if (!fs::exists(blob)) writeTextFile(blob, contents);
    link(repo, commit, path, blob);
    return blob;
  }
  // Keeps a link that is already there.
  void link(const std::string& repo, const std::string& commit, const std::string& path,
            const fs::path& blob) {
    const fs::path file = snapshot(repo, commit) / path;
    if (fs::is_symlink(file)) return;
    fs::create_directories(file.parent_path());
    fs::create_symlink(blob.lexically_relative(file.parent_path()), file);
  }
  void ref(const std::string& repo, const std::string& name, const std::string& commit) {
    writeFile(repoDir(repo) / "refs" / name, commit);
  }
  // Every file of `tree` into repo@commit (blobs and links), refs/main too.
  void import(const std::string& repo, const std::string& commit, const fs::path& tree) {
    for (const auto& entry : fs::recursive_directory_iterator(tree))
      if (entry.is_regular_file())
        add(repo, commit, entry.path().lexically_relative(tree).generic_string(),
            readTextFile(entry.path()));
    ref(repo, "main", commit);
  }
  // Every file a preset names, with small contents, on refs/main.
  void addPreset(const ModelPreset& preset) {
    for (const auto& part : preset.parts) {
      for (const auto& file : part.include) add(part.repo, kCommitA, file, part.repo + "/" + file);
      ref(part.repo, "main", kCommitA);
    }
  }

 private:
  fs::path root_;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// --- The cache ---------------------------------------------------------

TEST(HubCache, ScansModelRepositoriesRefsAndSnapshots) {
  TempDir dir("hub-cache");
  FakeCache cache(dir / "hub");
  // Two commits sharing one blob; refs: a branch, a tag, a pull request.
  const fs::path shared = cache.add("org/model", kCommitA, "config.json", "{}\n");
  cache.add("org/model", kCommitA, "sub/dir/weights.safetensors", "0123456789");
  cache.link("org/model", kCommitB, "config.json", shared);
  cache.add("org/model", kCommitB, "weights.gguf", "GGUF....");
  cache.ref("org/model", "main", kCommitA);
  cache.ref("org/model", "v1.0", kCommitB + "\n");  // a newline added by hand is tolerated
  cache.ref("org/model", "refs/pr/1", kCommitB);
  // Not models: datasets, spaces, the lock folder, stray files; a repository
  // without snapshots/ is not usable.
  cache.add("datasets/org/data", kCommitA, "x.csv", "a,b");
  fs::rename(cache.repoDir("datasets/org/data"), cache.root() / "datasets--org--data");
  fs::create_directories(cache.root() / ".locks" / "models--org--model");
  fs::create_directories(cache.root() / "models--org--nosnapshots" / "blobs");
  writeFile(cache.root() / "version.txt", "1");

  const auto repos = scanHubCache(cache.dir());
  ASSERT_EQ(repos.size(), 1u);
  const CachedRepo& repo = repos[0];
  EXPECT_EQ(repo.repo, "org/model");
  ASSERT_EQ(repo.snapshots.size(), 2u);
  EXPECT_EQ(repo.snapshots[0].commit, kCommitA);
  EXPECT_EQ(repo.snapshots[0].folder, cache.snapshot("org/model", kCommitA).string());
  EXPECT_EQ(repo.snapshots[0].files,
            (std::vector<std::string>{"config.json", "sub/dir/weights.safetensors"}));
  EXPECT_EQ(repo.snapshots[1].files, (std::vector<std::string>{"config.json", "weights.gguf"}));
  EXPECT_EQ(repo.refs, (std::vector<std::pair<std::string, std::string>>{
                           {"main", kCommitA}, {"refs/pr/1", kCommitB}, {"v1.0", kCommitB}}));
  // The shared blob counts once: 3 + 10 + 8 bytes.
  EXPECT_EQ(repo.blobBytes, 3u + 10u + 8u);

  EXPECT_TRUE(scanHubCache((dir / "nowhere").string()).empty());
  EXPECT_TRUE(scanHubCache("").empty());
}

TEST(HubCache, BrokenLinksAndPartialDownloadsAreNotFiles) {
  TempDir dir("hub-cache");
  FakeCache cache(dir / "hub");
  cache.add("org/model", kCommitA, "model_index.json", "{}");
  // A link whose blob was deleted.
  const fs::path gone =
      cache.add("org/model", kCommitA, "transformer/model.safetensors", "weights");
  fs::remove(gone);
  // A link to a partial download (blobs/{etag}.incomplete).
  cache.add("org/model", kCommitA, "ae.safetensors", "half of it", ".incomplete");
  cache.ref("org/model", "main", kCommitA);

  const auto repos = scanHubCache(cache.dir());
  ASSERT_EQ(repos.size(), 1u);
  ASSERT_EQ(repos[0].snapshots.size(), 1u);
  EXPECT_EQ(repos[0].snapshots[0].files, std::vector<std::string>{"model_index.json"});
  EXPECT_EQ(repos[0].blobBytes, 2u);
  EXPECT_EQ(cachedSnapshotFiles(cache.snapshot("org/model", kCommitA).string()),
            std::vector<std::string>{"model_index.json"});
}

TEST(HubCache, FindsSnapshotsByBranchTagCommitAndNestedRef) {
  TempDir dir("hub-cache");
  FakeCache cache(dir / "hub");
  cache.add("org/model", kCommitA, "a.txt", "a");
  cache.add("org/model", kCommitB, "b.txt", "b");
  cache.ref("org/model", "main", kCommitA);
  cache.ref("org/model", "v2", kCommitB);
  cache.ref("org/model", "refs/pr/1", kCommitB);
  cache.ref("org/model", "stale",
            "cccccccccccccccccccccccccccccccccccccccc");  // its snapshot is gone
  const std::string a = cache.snapshot("org/model", kCommitA).string();
  const std::string b = cache.snapshot("org/model", kCommitB).string();

  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model"), a);  // main by default
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model", "main"), a);
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model", ""), a);
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model", "v2"), b);
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model", "refs/pr/1"), b);
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model", kCommitB), b);
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model", "stale"), std::nullopt);
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model", "no-such-branch"), std::nullopt);
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/other"), std::nullopt);
  EXPECT_EQ(findCachedSnapshot((dir / "nowhere").string(), "org/model"), std::nullopt);
  // Revisions never leave the repository's folder.
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model",
                               "../../models--org--model/snapshots/" + kCommitA),
            std::nullopt);
  EXPECT_EQ(findCachedSnapshot(cache.dir(), "org/model", "/etc"), std::nullopt);
}

// --- The preset table --------------------------------------------------

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

// --- What --model means ------------------------------------------------

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
