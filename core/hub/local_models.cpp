#include "hub/local_models.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <set>

#include "hub/hub_cache.h"
#include "hub/model_presets.h"
#include "weights/model_files.h"

namespace fd {

namespace {

namespace fs = std::filesystem;

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The bytes behind `path` (through its link), when it is a complete file.
std::optional<fs::path> cachedBlob(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  fs::path target = fs::canonical(path, ec);
  if (ec || endsWith(target.filename().string(), ".incomplete")) return std::nullopt;
  return target;
}

uint64_t sizeOf(const std::set<fs::path>& files) {
  uint64_t bytes = 0;
  for (const auto& f : files) {
    std::error_code ec;
    const uint64_t size = fs::file_size(f, ec);
    if (!ec) bytes += size;
  }
  return bytes;
}

bool isWeightsName(const std::string& path) {
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return endsWith(lower, ".safetensors") || endsWith(lower, ".sft") || endsWith(lower, ".gguf") ||
         endsWith(lower, ".safetensors.index.json");
}

// `path` is `folder` or inside it.
bool within(const std::string& path, const std::string& folder) {
  if (path.empty() || folder.empty()) return false;
  const std::string p = fs::path(path).lexically_normal().generic_string();
  std::string f = fs::path(folder).lexically_normal().generic_string();
  while (f.size() > 1 && f.back() == '/') f.pop_back();
  return p == f || (p.size() > f.size() && p.compare(0, f.size(), f) == 0 && p[f.size()] == '/');
}

std::vector<const std::string*> locationPaths(const ModelLocation& l) {
  return {&l.folder,   &l.transformerFile, &l.autoencoderFile,
          &l.clipFile, &l.t5File,          &l.tokenizerFolder};
}

// A preset with at least one of its files in the cache.
std::optional<LocalModel> presetEntry(const ModelPreset& preset, const std::string& cacheDir) {
  LocalModel model;
  model.kind = "preset";
  model.name = preset.title;
  model.reference = preset.id;
  std::set<fs::path> blobs;
  for (const auto& part : preset.parts) {
    const std::string where = part.revision == "main" ? part.repo : part.repo + "@" + part.revision;
    auto snapshot = findCachedSnapshot(cacheDir, part.repo, part.revision);
    std::vector<std::string> absent;
    for (const auto& file : part.include) {
      auto blob = snapshot ? cachedBlob(fs::path(*snapshot) / file) : std::nullopt;
      if (blob)
        blobs.insert(*blob);
      else
        absent.push_back(file);
    }
    if (absent.empty()) continue;
    std::string line = where + ": ";
    for (size_t i = 0; i < absent.size(); ++i) line += (i ? ", " : "") + absent[i];
    model.missing.push_back(line + " (" + part.role + (part.gated ? ", gated" : "") + ")");
  }
  if (blobs.empty())
    return std::nullopt;  // nothing downloaded: a preset to offer, not a local model
  model.bytesOnDisk = sizeOf(blobs);
  auto location = presetLocation(preset, cacheDir);
  model.complete = model.missing.empty() && location.ok();
  if (location)
    model.location = location.value();
  else if (model.missing.empty())
    model.missing.push_back(location.error().message);
  return model;
}

// A cached snapshot with both tokenizers in the diffusers layout (FLUX.1's
// own repositories and their mirrors), for folders that lack them.
std::string cachedTokenizerFolder(const std::vector<CachedRepo>& repos) {
  for (const auto& repo : repos)
    for (const auto& s : repo.snapshots) {
      auto has = [&](const std::string& f) {
        return std::binary_search(s.files.begin(), s.files.end(), f);
      };
      if (has("tokenizer/vocab.json") && has("tokenizer/merges.txt") &&
          has("tokenizer_2/spiece.model"))
        return s.folder;
    }
  return {};
}

std::vector<std::string> missingComponents(const ModelFiles& files) {
  std::vector<std::string> missing;
  for (const auto* c : files.components())
    if (!c->found)
      missing.push_back(c->name + ": " + (c->notes.empty() ? "not found" : c->notes.back()));
  return missing;
}

uint64_t componentBytes(const ModelFiles& files) {
  std::set<fs::path> used;
  for (const auto* c : files.components())
    for (const auto& f : c->files)
      if (auto blob = cachedBlob(f)) used.insert(*blob);
  return sizeOf(used);
}

// "org/name" when refs/main points at the snapshot, "org/name@ref" for
// another ref, "org/name@commit" otherwise.
std::string snapshotReference(const CachedRepo& repo, const CachedSnapshot& snapshot) {
  std::string other;
  for (const auto& [ref, commit] : repo.refs) {
    if (commit != snapshot.commit) continue;
    if (ref == "main") return repo.repo;
    if (other.empty()) other = ref;
  }
  return repo.repo + "@" + (other.empty() ? snapshot.commit : other);
}

}  // namespace

std::vector<LocalModel> listLocalModels(const std::string& cacheDir,
                                        const std::vector<std::string>& comfyRoots) {
  std::vector<LocalModel> models;
  for (const auto& preset : modelPresets())
    if (auto entry = presetEntry(preset, cacheDir)) models.push_back(std::move(*entry));

  // Other repositories: every snapshot with weights files in which
  // discovery finds a whole model, unless a complete preset already uses it.
  const std::vector<CachedRepo> repos = scanHubCache(cacheDir);
  for (const auto& repo : repos) {
    for (const auto& snapshot : repo.snapshots) {
      if (std::none_of(snapshot.files.begin(), snapshot.files.end(), isWeightsName)) continue;
      const bool usedByPreset = std::any_of(models.begin(), models.end(), [&](const LocalModel& m) {
        if (!m.complete) return false;
        auto paths = locationPaths(m.location);
        return std::any_of(paths.begin(), paths.end(),
                           [&](const std::string* p) { return within(*p, snapshot.folder); });
      });
      if (usedByPreset) continue;
      ModelLocation location;
      location.folder = snapshot.folder;
      ModelFiles files = scanModelFiles(location);
      if (!files.complete()) continue;
      LocalModel model;
      model.kind = "hub";
      model.reference = snapshotReference(repo, snapshot);
      model.name = model.reference;
      model.location = location;
      std::set<fs::path> blobs;
      for (const auto& f : snapshot.files)
        if (auto blob = cachedBlob(fs::path(snapshot.folder) / f)) blobs.insert(*blob);
      model.bytesOnDisk = sizeOf(blobs);
      model.complete = true;
      models.push_back(std::move(model));
    }
  }

  // ComfyUI: discovery knows its models/ tree (unet, diffusion_models, clip,
  // text_encoders, vae). ComfyUI ships no spiece.model (its T5 tokenizer is
  // a tokenizer.json in its sources), so the tokenizers come from the cache
  // when a snapshot there has both.
  const std::string cachedTokenizers = cachedTokenizerFolder(repos);
  for (const auto& root : comfyRoots) {
    LocalModel model;
    model.kind = "comfyui";
    model.name = "ComfyUI (" + root + ")";
    std::error_code ec;
    const fs::path modelsDir = fs::path(root) / "models";
    model.location.folder = fs::is_directory(modelsDir, ec) ? modelsDir.string() : root;
    model.reference = model.location.folder;
    ModelFiles files = scanModelFiles(model.location);
    if (!(files.clipTokenizer.found && files.t5Tokenizer.found) && !cachedTokenizers.empty() &&
        fs::is_directory(model.location.folder, ec)) {
      ModelLocation withTokenizers = model.location;
      withTokenizers.tokenizerFolder = cachedTokenizers;
      ModelFiles again = scanModelFiles(withTokenizers);
      if (again.clipTokenizer.found && again.t5Tokenizer.found) {
        model.location = withTokenizers;
        files = std::move(again);
      }
    }
    model.complete = files.complete();
    model.missing = missingComponents(files);
    model.bytesOnDisk = componentBytes(files);
    models.push_back(std::move(model));
  }
  return models;
}

}  // namespace fd
