#include "hub/model_presets.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "hub/hub_cache.h"
#include "hub/hub_filter.h"

namespace fd {

namespace {

namespace fs = std::filesystem;

constexpr uint64_t kGiB = 1ull << 30;

// --- Sizes (bytes) -----------------------------------------------------
// As the hub's API lists them (GET /api/models/{repo}/tree/main: "size",
// the LFS object's size for weights), recorded in public download manifests
// that pin these files by size and sha256.

// black-forest-labs/FLUX.1-schnell (gated since 2025). The single-file
// layout (BFL's own files at the root) plus the diffusers text encoders and
// tokenizers; never transformer/ and vae/, the diffusers copies of the same
// weights (another 23.8 GB).
constexpr uint64_t kBflTransformer = 23782506688;  // flux1-schnell.safetensors (bf16)
constexpr uint64_t kBflAutoencoder = 335304388;    // ae.safetensors (float32)
constexpr uint64_t kBflClip =
    246144352 + 613;  // text_encoder/model.safetensors (fp16) + config.json
constexpr uint64_t kBflT5Weights =
    4994582224ull + 4530066360ull;  // text_encoder_2/model-0000{1,2}-of-00002 (bf16)
constexpr uint64_t kBflT5 = kBflT5Weights + 19885 + 782;  // + the shard index + config.json
// tokenizer/vocab.json, tokenizer/merges.txt, tokenizer_2/spiece.model
constexpr uint64_t kBflTokenizers = 1059962 + 524619 + 791656;

// Comfy-Org/flux1-schnell (public): ComfyUI's all-in-one checkpoint.
constexpr uint64_t kComfyFp8AllInOne = 17236328572;  // flux1-schnell-fp8.safetensors
// What it holds, from the same parts published on their own: the fp8
// (e4m3fn) transformer as Kijai/flux-fp8 ships it, T5 as
// comfyanonymous/flux_text_encoders' t5xxl_fp8_e4m3fn.safetensors, CLIP-L
// fp16 as its clip_l.safetensors; the rest is the autoencoder (bf16) and
// the headers.
constexpr uint64_t kFp8Transformer = 11901525888;
constexpr uint64_t kFp8T5 = 4893934904;
constexpr uint64_t kFp8Clip = 246144152;
constexpr uint64_t kFp8Autoencoder =
    kComfyFp8AllInOne - kFp8Transformer - kFp8T5 - kFp8Clip;  // ~195 MB

// city96/FLUX.1-schnell-gguf and city96/t5-v1_1-xxl-encoder-gguf (public).
constexpr uint64_t kGgufTransformerQ8_0 = 12687821728;   // flux1-schnell-Q8_0.gguf
constexpr uint64_t kGgufTransformerQ4_K_S = 6783943712;  // flux1-schnell-Q4_K_S.gguf
constexpr uint64_t kGgufT5Q8_0 = 5061584064;             // t5-v1_1-xxl-encoder-Q8_0.gguf
constexpr uint64_t kGgufT5Q5_K_M = 3386856640;           // t5-v1_1-xxl-encoder-Q5_K_M.gguf

// comfyanonymous/flux_text_encoders (public).
constexpr uint64_t kClipL = 246144152;  // clip_l.safetensors (fp16)
// Comfy-Org/Lumina_Image_2.0_Repackaged (public): Lumina Image 2.0 uses the
// FLUX.1 autoencoder; split_files/vae/ae.safetensors is BFL's ae.safetensors
// byte for byte (same size and sha256 afc8e282...), without the licence gate.
constexpr uint64_t kPublicAutoencoder = 335304388;

// The tokenizers from where FLUX.1's copies come from (both public):
// openai/clip-vit-large-patch14's vocab.json and merges.txt (the vocab as
// the hub page lists it, 961 kB: the same vocabulary as FLUX.1's
// tokenizer/vocab.json, written without indentation) and
// google/t5-v1_1-xxl's spiece.model (the file FLUX.1's tokenizer_2/ holds).
constexpr uint64_t kClipTokenizer = 961143 + 524619;
constexpr uint64_t kT5Tokenizer = 791656;

// --- Memory ------------------------------------------------------------
// FluxDesk keeps weights as stored (GGUF blocks, fp8, bf16 at 2 bytes per
// weight; the CPU computes from views of the mapped files), so each
// component takes about its file's size. From the bytes of the transformer
// (T), the autoencoder (A) and the text encoders (X = T5 + CLIP):
//   RAM, on the CPU: in offload-text (what memory mode auto picks when not
//     everything fits) the text encoders and the transformer are never both
//     resident (their mapped pages are handed back in turn), so
//       max(T + A, X) + 2 GiB working memory.
//     Measured: Q4_K_S transformer + Q8_0 T5 peaks at 8.7 GiB RSS (the rule:
//     8.6 GiB); resident, 13.4 GiB (T + A + X + 2 GiB: 13.6 GiB).
//   VRAM, in offload-text: the transformer and autoencoder stay on the GPU;
//     the text encoders live in RAM and visit the GPU to encode a new prompt
//     while the transformer stays there (pipeline/text_conditioner.cpp), so
//       T + A + max(X, 2 GiB working memory).
//     At that size memory mode auto picks offload-text (it asks T + A + 3 GiB).
//   RAM beside a GPU: the text encoders' home between prompts, X + 2 GiB.
constexpr uint64_t kWorkingBytes = 2 * kGiB;

struct PartSpec {
  PresetPart part;
  uint64_t bytes = 0;  // of the files `include` names
};

struct PresetSpec {
  ModelPreset preset;
  uint64_t transformer = 0, autoencoder = 0, text = 0;  // weights, for the memory rule
  uint64_t hostBytesWithGpu = 0;
};

const char kBfl[] = "black-forest-labs/FLUX.1-schnell";
const char kBflLicence[] = "https://huggingface.co/black-forest-labs/FLUX.1-schnell";

PartSpec part(std::string role, std::string repo, std::vector<std::string> include,
              std::string file, uint64_t bytes, bool gated = false) {
  PartSpec p;
  p.part.role = std::move(role);
  p.part.repo = std::move(repo);
  p.part.include = std::move(include);
  p.part.file = std::move(file);
  p.part.gated = gated;
  p.bytes = bytes;
  return p;
}

// The public tokenizers every non-gated preset uses: CLIP's and T5's files
// live in two repositories.
std::vector<PartSpec> publicTokenizers() {
  return {part("tokenizers", "openai/clip-vit-large-patch14", {"vocab.json", "merges.txt"}, "",
               kClipTokenizer),
          part("tokenizers", "google/t5-v1_1-xxl", {"spiece.model"}, "", kT5Tokenizer)};
}

PresetSpec makePreset(std::string id, std::string title, std::string description,
                      std::vector<PartSpec> parts, uint64_t transformer, uint64_t autoencoder,
                      uint64_t text, std::string licenceUrl = {}) {
  PresetSpec spec;
  spec.preset.id = std::move(id);
  spec.preset.title = std::move(title);
  spec.preset.description = std::move(description);
  for (auto& p : parts) {
    spec.preset.downloadBytes += p.bytes;
    spec.preset.parts.push_back(std::move(p.part));
  }
  spec.preset.ramBytes = std::max(transformer + autoencoder, text) + kWorkingBytes;
  spec.preset.vramBytes = transformer + autoencoder + std::max(text, kWorkingBytes);
  spec.preset.licenceUrl = std::move(licenceUrl);
  spec.transformer = transformer;
  spec.autoencoder = autoencoder;
  spec.text = text;
  spec.hostBytesWithGpu = text + kWorkingBytes;
  return spec;
}

std::vector<PartSpec> with(std::vector<PartSpec> parts, const std::vector<PartSpec>& more) {
  parts.insert(parts.end(), more.begin(), more.end());
  return parts;
}

// The table, largest first.
const std::vector<PresetSpec>& presetSpecs() {
  static const std::vector<PresetSpec> specs = [] {
    std::vector<PresetSpec> s;
    s.push_back(makePreset(
        "flux1-schnell", "FLUX.1 [schnell] (official, bf16)",
        "Black Forest Labs' own bf16 weights, the reference quality, for 32 GB of RAM or a 40 GB "
        "GPU; needs a "
        "Hugging Face token of an account that accepted the licence.",
        {part("transformer", kBfl, {"flux1-schnell.safetensors"}, "flux1-schnell.safetensors",
              kBflTransformer, true),
         part("autoencoder", kBfl, {"ae.safetensors"}, "ae.safetensors", kBflAutoencoder, true),
         part("clip", kBfl, {"text_encoder/config.json", "text_encoder/model.safetensors"},
              "text_encoder/model.safetensors", kBflClip, true),
         part("t5", kBfl,
              {"text_encoder_2/config.json", "text_encoder_2/model.safetensors.index.json",
               "text_encoder_2/model-00001-of-00002.safetensors",
               "text_encoder_2/model-00002-of-00002.safetensors"},
              "text_encoder_2/model.safetensors.index.json", kBflT5, true),
         part("tokenizers", kBfl,
              {"tokenizer/vocab.json", "tokenizer/merges.txt", "tokenizer_2/spiece.model"}, "",
              kBflTokenizers, true)},
        kBflTransformer, kBflAutoencoder, kBflT5Weights + kBflClip, kBflLicence));
    s.push_back(makePreset(
        "flux1-schnell-q8_0", "FLUX.1 [schnell] GGUF Q8_0",
        "city96's 8-bit GGUF transformer with an 8-bit T5: next to the official weights in quality "
        "at half their "
        "size, for 24 GB of RAM or a 24 GB GPU.",
        with({part("transformer", "city96/FLUX.1-schnell-gguf", {"flux1-schnell-Q8_0.gguf"},
                   "flux1-schnell-Q8_0.gguf", kGgufTransformerQ8_0),
              part("t5", "city96/t5-v1_1-xxl-encoder-gguf", {"t5-v1_1-xxl-encoder-Q8_0.gguf"},
                   "t5-v1_1-xxl-encoder-Q8_0.gguf", kGgufT5Q8_0),
              part("clip", "comfyanonymous/flux_text_encoders", {"clip_l.safetensors"},
                   "clip_l.safetensors", kClipL),
              part("autoencoder", "Comfy-Org/Lumina_Image_2.0_Repackaged",
                   {"split_files/vae/ae.safetensors"}, "split_files/vae/ae.safetensors",
                   kPublicAutoencoder)},
             publicTokenizers()),
        kGgufTransformerQ8_0, kPublicAutoencoder, kGgufT5Q8_0 + kClipL));
    s.push_back(makePreset(
        "flux1-schnell-fp8", "FLUX.1 [schnell] fp8 (one file)",
        "ComfyUI's single checkpoint, transformer and T5 in fp8 with CLIP and the autoencoder in "
        "one file: a "
        "little below Q8_0 in quality, for 16-24 GB of RAM or a 20 GB GPU.",
        with({part("all-in-one", "Comfy-Org/flux1-schnell", {"flux1-schnell-fp8.safetensors"},
                   "flux1-schnell-fp8.safetensors", kComfyFp8AllInOne)},
             publicTokenizers()),
        kFp8Transformer, kFp8Autoencoder, kFp8T5 + kFp8Clip));
    // T5 at Q5_K_M rather than Q8_0: the transformer sets the RAM peak on the
    // CPU either way, but on a GPU the text encoders visit it beside the
    // transformer (with Q8_0 that is 12.4 GB, more than a 12 GB card has
    // free), and the download is 1.7 GB smaller; Q5_K_M is the smallest T5
    // quantization commonly used without a visible loss in prompt following.
    s.push_back(makePreset(
        "flux1-schnell-q4_k_s", "FLUX.1 [schnell] GGUF Q4_K_S",
        "city96's 4-bit GGUF transformer with a 5-bit T5: the smallest download, for 16 GB of RAM "
        "or a 12 GB "
        "GPU, at some loss of detail.",
        with({part("transformer", "city96/FLUX.1-schnell-gguf", {"flux1-schnell-Q4_K_S.gguf"},
                   "flux1-schnell-Q4_K_S.gguf", kGgufTransformerQ4_K_S),
              part("t5", "city96/t5-v1_1-xxl-encoder-gguf", {"t5-v1_1-xxl-encoder-Q5_K_M.gguf"},
                   "t5-v1_1-xxl-encoder-Q5_K_M.gguf", kGgufT5Q5_K_M),
              part("clip", "comfyanonymous/flux_text_encoders", {"clip_l.safetensors"},
                   "clip_l.safetensors", kClipL),
              part("autoencoder", "Comfy-Org/Lumina_Image_2.0_Repackaged",
                   {"split_files/vae/ae.safetensors"}, "split_files/vae/ae.safetensors",
                   kPublicAutoencoder)},
             publicTokenizers()),
        kGgufTransformerQ4_K_S, kPublicAutoencoder, kGgufT5Q5_K_M + kClipL));
    return s;
  }();
  return specs;
}

// A pattern that may match several files (fnmatch wildcards, or a folder
// "tokenizer/" meaning everything below it), not one file's name.
bool hasWildcard(const std::string& pattern) {
  return pattern.find_first_of("*?[") != std::string::npos ||
         (!pattern.empty() && pattern.back() == '/');
}

std::string joined(const std::vector<std::string>& items, const std::string& separator) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

std::string repoAt(const PresetPart& p) {
  return p.revision == "main" ? p.repo : p.repo + "@" + p.revision;
}

std::string presetIds() {
  std::vector<std::string> ids;
  for (const auto& p : modelPresets()) ids.push_back(p.id);
  return joined(ids, ", ");
}

// Why `repo` is not a repository id ("org/name"), as huggingface_hub's
// validate_repo_id judges it (with the namespace required), or empty.
std::string repoIdProblem(const std::string& repo) {
  const size_t slash = repo.find('/');
  if (slash == std::string::npos || repo.find('/', slash + 1) != std::string::npos)
    return "a repository id is org/name, with one '/'";
  auto isWord = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (const std::string& piece : {repo.substr(0, slash), repo.substr(slash + 1)}) {
    if (piece.empty()) return "the organisation and the name must not be empty";
    for (char c : piece)
      if (!isWord(c) && c != '-' && c != '.')
        return std::string("'") + c + "' is not allowed (only A-Z a-z 0-9 . _ -)";
    if (!isWord(piece.front()) || !isWord(piece.back()))
      return "'" + piece + "' must start and end with a letter, digit or '_'";
  }
  if (repo.size() - slash - 1 > 96) return "the name is longer than 96 characters";
  if (repo.find("--") != std::string::npos || repo.find("..") != std::string::npos)
    return "'--' and '..' are not allowed";
  if (repo.size() >= 4 && repo.compare(repo.size() - 4, 4, ".git") == 0)
    return "it must not end in .git";
  return {};
}

// A file of a snapshot: a link whose blob is missing, or a partial
// download, is not.
bool isCachedFile(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
  const std::string target = fs::canonical(path, ec).filename().string();
  const std::string partial = ".incomplete";
  return !ec && !(target.size() >= partial.size() &&
                  target.compare(target.size() - partial.size(), partial.size(), partial) == 0);
}

bool isWeightsFileName(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto endsWith = [&](const std::string& tail) {
    return lower.size() >= tail.size() &&
           lower.compare(lower.size() - tail.size(), tail.size(), tail) == 0;
  };
  return endsWith(".safetensors") || endsWith(".sft") || endsWith(".gguf") ||
         endsWith(".safetensors.index.json");
}

}  // namespace

const std::vector<ModelPreset>& modelPresets() {
  static const std::vector<ModelPreset> presets = [] {
    std::vector<ModelPreset> list;
    for (const auto& spec : presetSpecs()) list.push_back(spec.preset);
    return list;
  }();
  return presets;
}

const ModelPreset* findPreset(const std::string& id) {
  for (const auto& p : modelPresets())
    if (p.id == id) return &p;
  return nullptr;
}

std::optional<std::string> recommendPreset(uint64_t ramBytes, uint64_t gpuBytes) {
  // The largest that fits: within this family more memory means more bits
  // per weight (bf16 > Q8_0 > fp8 > Q4_K_S).
  const PresetSpec* best = nullptr;
  if (gpuBytes > 0) {
    for (const auto& spec : presetSpecs())
      if (spec.preset.vramBytes <= gpuBytes && spec.hostBytesWithGpu <= ramBytes &&
          (!best || spec.preset.vramBytes > best->preset.vramBytes))
        best = &spec;
    if (best) return best->preset.id;
  }
  // No GPU, or none fits on it in offload-text: by RAM (on a small GPU the
  // engine streams the transformer's blocks, within the RAM it needs anyway).
  for (const auto& spec : presetSpecs())
    if (spec.preset.ramBytes <= ramBytes && (!best || spec.preset.ramBytes > best->preset.ramBytes))
      best = &spec;
  if (best) return best->preset.id;
  return std::nullopt;
}

Result<ModelLocation> presetLocation(const ModelPreset& preset, const std::string& cacheDir) {
  ModelLocation location;
  std::vector<std::string> missing, tokenizerFolders;
  std::set<std::string> snapshots;  // repo@revision of every part
  // Per repository (in the order of the parts): the command that fetches
  // its missing files.
  std::vector<std::pair<std::string, std::string>> commands;
  auto fetch = [&](const PresetPart& p, const std::vector<std::string>& files) {
    auto it = std::find_if(commands.begin(), commands.end(),
                           [&](const auto& c) { return c.first == repoAt(p); });
    if (it == commands.end()) {
      commands.emplace_back(repoAt(p),
                            "fluxdesk-cli download " + p.repo +
                                (p.revision == "main" ? "" : " --revision " + p.revision));
      it = commands.end() - 1;
    }
    for (const auto& f : files) it->second += " --include " + f;
  };
  bool gatedMissing = false;
  for (const auto& p : preset.parts) {
    snapshots.insert(repoAt(p));
    auto snapshot = findCachedSnapshot(cacheDir, p.repo, p.revision);
    if (!snapshot) {
      missing.push_back(repoAt(p) + " (" + p.role + ": " + joined(p.include, ", ") + ")");
      fetch(p, p.include);
      gatedMissing |= p.gated;
      continue;
    }
    // Every file the part names (each pattern matched by at least one).
    std::vector<std::string> files;
    const bool anyWildcard = std::any_of(p.include.begin(), p.include.end(), hasWildcard);
    if (anyWildcard) files = cachedSnapshotFiles(*snapshot);
    std::vector<std::string> absent;
    for (const auto& pattern : p.include) {
      bool present = false;
      if (hasWildcard(pattern)) {
        present = std::any_of(files.begin(), files.end(), [&](const std::string& f) {
          return hub::hubPathSelected(f, {pattern}, {});
        });
      } else {
        present = isCachedFile(fs::path(*snapshot) / pattern);
      }
      if (!present) absent.push_back(pattern);
    }
    if (!absent.empty()) {
      missing.push_back(repoAt(p) + " (" + p.role + ": " + joined(absent, ", ") + ")");
      fetch(p, absent);
      gatedMissing |= p.gated;
      continue;
    }
    const std::string path = p.file.empty() ? *snapshot : (fs::path(*snapshot) / p.file).string();
    if (p.role == "transformer")
      location.transformerFile = path;
    else if (p.role == "autoencoder")
      location.autoencoderFile = path;
    else if (p.role == "clip")
      location.clipFile = path;
    else if (p.role == "t5")
      location.t5File = path;
    else if (p.role == "all-in-one")
      location.transformerFile = location.autoencoderFile = location.clipFile = location.t5File =
          path;
    else if (p.role == "tokenizers")
      tokenizerFolders.push_back(path);
    else
      return makeError(ErrorKind::Internal,
                       "preset " + preset.id + ": unknown part role '" + p.role + "'");
  }
  if (!missing.empty()) {
    std::string message = preset.title + " (preset " + preset.id +
                          ") is not fully downloaded to the Hugging Face cache " +
                          (cacheDir.empty() ? std::string("(none configured)") : cacheDir) +
                          ": missing " + joined(missing, "; ") + ".";
    if (gatedMissing)
      message +=
          " Some of its files are gated: accept the licence at " +
          (preset.licenceUrl.empty() ? std::string("the repository's page") : preset.licenceUrl) +
          " with your Hugging Face account, then give a token of that account (HF_TOKEN, or `hf "
          "auth login`).";
    message += "\nDownload the missing files with:";
    for (const auto& c : commands) message += "\n  " + c.second;
    return makeError(ErrorKind::ModelMissing, message);
  }
  // All from one snapshot: it is the model folder too (config.json files,
  // `inspect` shows the snapshot).
  if (snapshots.size() == 1)
    location.folder =
        *findCachedSnapshot(cacheDir, preset.parts.front().repo, preset.parts.front().revision);
  if (!tokenizerFolders.empty()) location.tokenizerFolder = tokenizerFolders[0];
  // CLIP's and T5's tokenizer files from two repositories: ModelLocation
  // has one tokenizer folder, and discovery looks for tokenizers in the model
  // folder too, which gives the weights nothing here (every weights file is
  // explicit).
  if (tokenizerFolders.size() > 1) {
    if (tokenizerFolders.size() > 2 || !location.folder.empty())
      return makeError(ErrorKind::Internal,
                       "preset " + preset.id + ": more tokenizer folders than ModelLocation holds");
    location.folder = tokenizerFolders[1];
  }
  return location;
}

Result<ModelLocation> resolveModelReference(const std::string& reference,
                                            const std::string& cacheDir) {
  if (reference.empty())
    return makeError(ErrorKind::BadRequest,
                     "no model given: a folder, a weights file, a preset id or org/name");
  std::error_code ec;
  // 1. A folder or file on disk.
  if (fs::is_directory(reference, ec)) {
    ModelLocation location;
    location.folder = reference;
    return location;
  }
  if (fs::exists(reference, ec)) {
    if (!fs::is_regular_file(reference, ec) || !isWeightsFileName(reference))
      return makeError(ErrorKind::ModelMissing,
                       "'" + reference +
                           "' is neither a model folder nor a weights file (.safetensors, "
                           ".sft, .gguf, .safetensors.index.json)");
    ModelLocation location;
    location.transformerFile = reference;
    location.folder = fs::path(reference).parent_path().string();
    if (location.folder.empty()) location.folder = ".";
    return location;
  }
  // 2. A preset.
  if (const ModelPreset* preset = findPreset(reference)) return presetLocation(*preset, cacheDir);
  // 3. org/name[@revision] in the hub cache.
  const std::string tried = "'" + reference +
                            "' does not exist here as a folder or file, it is not a preset (" +
                            presetIds() + ")";
  if (reference.find('/') == std::string::npos)
    return makeError(ErrorKind::ModelMissing,
                     tried + ", and it is not a Hugging Face repository id (org/name).");
  const size_t at = reference.find('@');
  const std::string repo = reference.substr(0, at);
  const std::string revision = at == std::string::npos ? "main" : reference.substr(at + 1);
  std::string problem = repoIdProblem(repo);
  if (problem.empty() && revision.empty()) problem = "the revision after '@' is empty";
  if (!problem.empty())
    return makeError(
        ErrorKind::ModelMissing,
        tried + ", and it is not a Hugging Face repository id (org/name[@revision]): " + problem +
            ".");
  if (auto snapshot = findCachedSnapshot(cacheDir, repo, revision)) {
    ModelLocation location;
    location.folder = *snapshot;
    return location;
  }
  return makeError(ErrorKind::ModelMissing,
                   tried + ", and the Hugging Face cache " +
                       (cacheDir.empty() ? std::string("(none configured)") : cacheDir) +
                       " has no snapshot of " + repo +
                       (revision == "main" ? "" : " at revision " + revision) +
                       ". Download it with: fluxdesk-cli download " + repo +
                       (revision == "main" ? "" : " --revision " + revision));
}

}  // namespace fd
