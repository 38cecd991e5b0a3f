#include "weights/model_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "weights/checkpoint.h"
#include "weights/component_kind.h"

namespace fd {

namespace {

namespace fs = std::filesystem;

bool isFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

bool isDir(const fs::path& p) {
  std::error_code ec;
  return !p.empty() && fs::is_directory(p, ec);
}

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool startsWith(const std::string& s, const std::string& head) {
  return s.compare(0, head.size(), head) == 0;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool isGguf(const fs::path& p) { return endsWith(lower(p.filename().string()), ".gguf"); }

// A checkpoint a user may have: .safetensors (.sft, as BFL first shipped
// them), the index of a sharded set, or a GGUF file (city96's quantized
// FLUX and T5 files, stable-diffusion.cpp's conversions).
bool isWeightsFile(const fs::path& p) {
  std::string name = lower(p.filename().string());
  return endsWith(name, ".safetensors") || endsWith(name, ".sft") ||
         endsWith(name, ".safetensors.index.json") || isGguf(p);
}

// Candidates in the order they are tried: safetensors files (and indexes)
// before GGUF files, each group by name, so that a folder holding a
// component in both formats keeps using the one it used before GGUF
// support (the choice is noted, see Discovery::noteOtherFormat).
std::vector<fs::path> inPreferenceOrder(std::vector<fs::path> files) {
  std::stable_partition(files.begin(), files.end(), [](const fs::path& p) { return !isGguf(p); });
  return files;
}

// Regular files of `dir`, sorted by name; none when it is not a folder.
std::vector<fs::path> filesIn(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!isDir(dir)) return files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (isFile(it->path())) files.push_back(it->path());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<fs::path> subfoldersOf(const fs::path& dir) {
  std::vector<fs::path> dirs;
  if (!isDir(dir)) return dirs;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (isDir(it->path())) dirs.push_back(it->path());
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::string kindList(const std::vector<ComponentKind>& kinds) {
  std::string s;
  for (ComponentKind k : kinds) s += std::string(s.empty() ? "" : "+") + componentKindName(k);
  return s.empty() ? "no known component" : s;
}

// What each candidate file holds, told from its keys (headers only), read
// once per file.
class KeyCache {
 public:
  struct Entry {
    std::vector<ComponentKind> kinds;
    std::string error;  // non-empty when the file could not be opened
  };
  const Entry& get(const fs::path& p) {
    auto it = entries_.find(p.string());
    if (it != entries_.end()) return it->second;
    Entry entry;
    auto checkpoint = Checkpoint::open(p.string());
    if (checkpoint)
      entry.kinds = componentsInCheckpoint(checkpoint.value());
    else
      entry.error = checkpoint.error().message;
    return entries_.emplace(p.string(), std::move(entry)).first->second;
  }
  bool holds(const fs::path& p, ComponentKind kind) {
    const Entry& e = get(p);
    return std::find(e.kinds.begin(), e.kinds.end(), kind) != e.kinds.end();
  }
  std::string describe(const fs::path& p) {
    const Entry& e = get(p);
    return e.error.empty() ? kindList(e.kinds) : "unreadable: " + e.error;
  }

 private:
  std::map<std::string, Entry> entries_;
};

// The shard files an index lists (beside it), whether they exist or not.
bool listedShards(const fs::path& index, std::vector<fs::path>& shards, std::string& problem) {
  std::error_code ec;
  // Real indexes are well under a megabyte; do not slurp a huge file.
  if (fs::file_size(index, ec) > (64ull << 20) || ec) {
    problem = index.string() + " is not a readable safetensors index (missing or too large)";
    return false;
  }
  std::ifstream in(index, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  auto json = nlohmann::json::parse(text.str(), nullptr, false);
  auto map = json.is_object() ? json.find("weight_map") : json.end();
  if (!json.is_object() || map == json.end() || !map->is_object()) {
    problem = index.string() + " is not a safetensors index (no \"weight_map\" object)";
    return false;
  }
  std::set<std::string> names;
  for (const auto& shard : *map)
    if (shard.is_string()) names.insert(shard.get<std::string>());
  shards.clear();
  for (const auto& name : names) shards.push_back(index.parent_path() / name);
  return true;
}

bool isIndex(const fs::path& p) {
  return endsWith(lower(p.filename().string()), ".safetensors.index.json");
}

// The files of a checkpoint: itself, or the shards its index lists (each
// must exist beside the index).
bool checkpointFiles(const fs::path& p, std::vector<std::string>& files, std::string& problem) {
  files.clear();
  if (!isIndex(p)) {
    files.push_back(p.string());
    return true;
  }
  std::vector<fs::path> shards;
  if (!listedShards(p, shards, problem)) return false;
  for (const auto& shard : shards) {
    if (!isFile(shard)) {
      problem = p.string() + " lists shard " + shard.filename().string() + ", which is not in " +
                p.parent_path().string();
      return false;
    }
    files.push_back(shard.string());
  }
  return true;
}

// Every shard that an index in `dir` lists: a shard alone is only part of a
// component, never a candidate of its own.
std::set<std::string> shardsListedIn(const fs::path& dir) {
  std::set<std::string> shards;
  for (const auto& p : filesIn(dir)) {
    if (!isIndex(p)) continue;
    std::vector<fs::path> listed;
    std::string problem;
    if (listedShards(p, listed, problem))
      for (const auto& shard : listed) shards.insert(shard.string());
  }
  return shards;
}

class Discovery {
 public:
  explicit Discovery(const ModelLocation& location) : loc_(location), folder_(location.folder) {}

  ModelFiles run();

 private:
  using Accept = std::function<bool(const fs::path&)>;

  // Takes `p` for `c` when it exists, passes `accept` and its shards exist;
  // records why not otherwise.
  bool tryFile(ComponentFiles& c, const fs::path& p, const std::string& source,
               const fs::path& config, const Accept& accept);
  bool tryExplicit(ComponentFiles& c, const std::string& file);
  void findWeights(ComponentFiles& c, ComponentKind kind, const std::string& explicitFile,
                   const std::vector<std::string>& rootNames,
                   const std::vector<std::string>& rootPrefixes, const std::string& snapshotDir,
                   const std::vector<std::string>& snapshotNames,
                   const std::vector<std::string>& comfyDirs);
  void findTokenizer(ComponentFiles& c, const std::vector<std::string>& fileNames,
                     const std::string& snapshotDir);
  void noteInventory(ComponentFiles& c, const std::vector<fs::path>& dirs);
  void noteOtherFormat(ComponentFiles& c, ComponentKind kind, const std::vector<fs::path>& dirs);
  fs::path configBeside(const fs::path& file, const std::string& snapshotDir) const;

  const ModelLocation& loc_;
  fs::path folder_;
  KeyCache keys_;
};

bool Discovery::tryFile(ComponentFiles& c, const fs::path& p, const std::string& source,
                        const fs::path& config, const Accept& accept) {
  if (!isFile(p)) return false;
  std::string problem;
  std::vector<std::string> files;
  if (!checkpointFiles(p, files, problem)) {
    c.notes.push_back(problem);
    return false;
  }
  if (accept && !accept(p)) return false;
  c.found = true;
  c.path = p.string();
  c.files = std::move(files);
  c.source = source;
  if (!config.empty() && isFile(config)) c.configPath = config.string();
  return true;
}

bool Discovery::tryExplicit(ComponentFiles& c, const std::string& file) {
  c.lookedIn.push_back(file + " (given)");
  if (!isFile(file)) {
    c.notes.push_back("the given file " + file + " does not exist");
    return false;
  }
  return tryFile(c, file, "explicit", configBeside(file, ""), nullptr);
}

// config.json beside a file; for a root file of a snapshot, the one in the
// matching diffusers subfolder (it holds the rope axes / scale factors).
fs::path Discovery::configBeside(const fs::path& file, const std::string& snapshotDir) const {
  fs::path beside = file.parent_path() / "config.json";
  if (isFile(beside)) return beside;
  if (!snapshotDir.empty() && !folder_.empty() && file.parent_path() == folder_) {
    fs::path sub = folder_ / snapshotDir / "config.json";
    if (isFile(sub)) return sub;
  }
  return {};
}

void Discovery::findWeights(ComponentFiles& c, ComponentKind kind, const std::string& explicitFile,
                            const std::vector<std::string>& rootNames,
                            const std::vector<std::string>& rootPrefixes,
                            const std::string& snapshotDir,
                            const std::vector<std::string>& snapshotNames,
                            const std::vector<std::string>& comfyDirs) {
  if (!explicitFile.empty()) {
    tryExplicit(c, explicitFile);
    return;  // an explicit file overrides the folder, found or not
  }
  if (folder_.empty()) return;
  auto holdsKind = [&](const fs::path& p) {
    if (keys_.holds(p, kind)) return true;
    const KeyCache::Entry& e = keys_.get(p);
    c.notes.push_back(e.error.empty() ? p.filename().string() + " holds " + kindList(e.kinds) +
                                            ", not " + componentKindName(kind)
                                      : e.error);
    return false;
  };
  const std::vector<fs::path> rootFiles = inPreferenceOrder(filesIn(folder_));
  std::set<std::string> tried;  // each candidate is judged once
  auto once = [&](const fs::path& p) { return tried.insert(p.string()).second; };
  const fs::path sub = folder_ / snapshotDir;
  // Every folder searched, for the notes.
  std::vector<fs::path> dirs{sub, folder_};
  for (const auto& d : comfyDirs)
    if (std::find(dirs.begin(), dirs.end(), folder_ / d) == dirs.end()) dirs.push_back(folder_ / d);
  auto found = [&] { noteOtherFormat(c, kind, dirs); };

  // 1. The names BFL, ComfyUI and stable-diffusion.cpp use, at the root.
  c.lookedIn.push_back(folder_.string());
  for (const auto& name : rootNames)
    if (once(folder_ / name) && tryFile(c, folder_ / name, "single-file",
                                        configBeside(folder_ / name, snapshotDir), holdsKind))
      return found();
  for (const auto& prefix : rootPrefixes)
    for (const auto& p : rootFiles)
      if (isWeightsFile(p) && startsWith(lower(p.filename().string()), prefix) && once(p) &&
          tryFile(c, p, "single-file", configBeside(p, snapshotDir), holdsKind))
        return found();

  // 2. The diffusers subfolder of an HF snapshot.
  c.lookedIn.push_back(sub.string());
  for (const auto& name : snapshotNames)
    if (once(sub / name) && tryFile(c, sub / name, "hf-snapshot", sub / "config.json", holdsKind))
      return found();

  // 3. Anything whose keys fit: the snapshot subfolder, the root, ComfyUI's
  // model subfolders (models/unet and models/diffusion_models hold GGUF
  // transformers, models/clip and models/text_encoders GGUF T5 encoders).
  auto quietHolds = [&](const fs::path& p) { return keys_.holds(p, kind); };
  for (const auto& dir : dirs) {
    // ComfyUI's subfolders are named only when the folder has them.
    if (dir != sub && dir != folder_ && isDir(dir)) c.lookedIn.push_back(dir.string());
    const std::set<std::string> shards = shardsListedIn(dir);
    for (const auto& p : inPreferenceOrder(filesIn(dir))) {
      // A shard alone is only part of a component: its index is tried instead.
      if (!isWeightsFile(p) || shards.count(p.string()) || !tried.insert(p.string()).second)
        continue;
      if (tryFile(c, p, "by keys", configBeside(p, snapshotDir), quietHolds)) return found();
    }
  }
  noteInventory(c, dirs);
}

// For a component found: files of the other format (GGUF beside a chosen
// safetensors file, or the reverse) that hold it too, and which one is used.
void Discovery::noteOtherFormat(ComponentFiles& c, ComponentKind kind,
                                const std::vector<fs::path>& dirs) {
  const bool chosenGguf = isGguf(c.path);
  std::vector<std::string> others;
  std::set<std::string> seen;
  for (const auto& dir : dirs) {
    const std::set<std::string> shards = shardsListedIn(dir);
    for (const auto& p : filesIn(dir)) {
      if (!isWeightsFile(p) || isGguf(p) == chosenGguf || shards.count(p.string())) continue;
      if (!seen.insert(p.lexically_normal().string()).second || !keys_.holds(p, kind)) continue;
      others.push_back(p.lexically_relative(folder_).string());
    }
  }
  if (others.empty()) return;
  std::string list;
  for (const auto& o : others) list += (list.empty() ? "" : ", ") + o;
  const std::string chosen = fs::path(c.path).lexically_relative(folder_).string();
  const std::string also = list + (others.size() == 1 ? " also holds the " : " also hold the ") +
                           componentKindName(kind) +
                           "; give that file explicitly to use it instead";
  c.notes.push_back(chosenGguf
                        ? "using the GGUF file " + chosen + " (found first); " + also
                        : "using " + chosen + " (safetensors is preferred over GGUF); " + also);
}

// For a component not found: every weights file seen, with what it holds.
void Discovery::noteInventory(ComponentFiles& c, const std::vector<fs::path>& dirs) {
  std::vector<std::string> seen;
  for (const auto& dir : dirs) {
    const std::set<std::string> shards = shardsListedIn(dir);
    for (const auto& p : filesIn(dir))
      if (isWeightsFile(p) && !shards.count(p.string()))
        seen.push_back(p.lexically_relative(folder_).string() + " (" + keys_.describe(p) + ")");
  }
  if (seen.empty()) {
    c.notes.push_back("no .safetensors or .gguf files there");
    return;
  }
  std::string list;
  for (const auto& s : seen) list += (list.empty() ? "" : ", ") + s;
  c.notes.push_back("weights files there: " + list);
}

void Discovery::findTokenizer(ComponentFiles& c, const std::vector<std::string>& fileNames,
                              const std::string& snapshotDir) {
  std::vector<fs::path> dirs;
  auto addRoot = [&](const fs::path& root) {
    if (root.empty()) return;
    dirs.push_back(root / snapshotDir);
    dirs.push_back(root);
    for (const auto& d : subfoldersOf(root)) dirs.push_back(d);
    // Named once: "<root>/tokenizer", "<root>" and its subfolders.
    c.lookedIn.push_back((root / snapshotDir).string());
    c.lookedIn.push_back(root.string() + " and its subfolders");
  };
  if (!loc_.tokenizerFolder.empty()) addRoot(loc_.tokenizerFolder);
  addRoot(folder_);
  if (folder_.empty()) {
    // Explicit files only: their folders may hold the tokenizer files.
    for (const auto* file :
         {&loc_.clipFile, &loc_.t5File, &loc_.transformerFile, &loc_.autoencoderFile})
      if (!file->empty()) addRoot(fs::path(*file).parent_path());
  }
  std::set<std::string> visited;
  for (const auto& dir : dirs) {
    if (!visited.insert(dir.lexically_normal().string()).second) continue;
    if (!isDir(dir)) continue;
    std::vector<std::string> files, missing;
    for (const auto& name : fileNames) {
      if (isFile(dir / name))
        files.push_back((dir / name).string());
      else
        missing.push_back(name);
    }
    if (missing.empty()) {
      c.found = true;
      c.path = dir.string();
      c.files = files;
      c.source = dir == folder_ / snapshotDir ? "hf-snapshot" : "folder";
      return;
    }
    if (!files.empty())
      c.notes.push_back(dir.string() + " has " + fs::path(files.front()).filename().string() +
                        " but no " + missing.front());
  }
  std::string names;
  for (const auto& n : fileNames) names += (names.empty() ? "" : " + ") + n;
  c.notes.push_back("no folder with " + names);
}

ModelFiles Discovery::run() {
  ModelFiles m;
  m.folder = folder_.string();
  m.transformer.name = "transformer";
  m.autoencoder.name = "autoencoder";
  m.clip.name = "clip";
  m.t5.name = "t5";
  m.clipTokenizer.name = "clip_tokenizer";
  m.t5Tokenizer.name = "t5_tokenizer";
  if (!folder_.empty() && !isDir(folder_)) {
    for (auto* c :
         {&m.transformer, &m.autoencoder, &m.clip, &m.t5, &m.clipTokenizer, &m.t5Tokenizer}) {
      c->lookedIn.push_back(folder_.string());
      std::error_code ec;
      c->notes.push_back(fs::exists(folder_, ec)
                             ? folder_.string() + " is a file, not a folder"
                             : "the folder " + folder_.string() + " does not exist");
    }
    folder_.clear();  // explicit files may still be given
  }
  if (!folder_.empty() && isFile(folder_ / "model_index.json"))
    m.modelIndexPath = (folder_ / "model_index.json").string();

  const std::vector<std::string> comfyModelDirs{"unet", "diffusion_models"};
  const std::vector<std::string> comfyTextDirs{"clip", "text_encoders"};
  findWeights(
      m.transformer, ComponentKind::Transformer, loc_.transformerFile,
      {"flux1-schnell.safetensors", "flux1-schnell.sft", "flux1-dev.safetensors", "flux1-dev.sft"},
      {"flux1-schnell", "flux1"}, "transformer",
      {"diffusion_pytorch_model.safetensors.index.json", "diffusion_pytorch_model.safetensors"},
      comfyModelDirs);
  findWeights(
      m.autoencoder, ComponentKind::Autoencoder, loc_.autoencoderFile, {"ae.safetensors", "ae.sft"},
      {}, "vae",
      {"diffusion_pytorch_model.safetensors.index.json", "diffusion_pytorch_model.safetensors"},
      {"vae"});
  findWeights(m.clip, ComponentKind::ClipText, loc_.clipFile, {"clip_l.safetensors"}, {"clip_l"},
              "text_encoder", {"model.safetensors.index.json", "model.safetensors"}, comfyTextDirs);
  // Prefer full-precision T5 files over fp8 ones when both are there.
  findWeights(m.t5, ComponentKind::T5Encoder, loc_.t5File,
              {"t5xxl_fp16.safetensors", "t5xxl.safetensors", "t5xxl_bf16.safetensors"},
              {"t5xxl", "t5-v1_1-xxl"},  // the second: city96's t5-v1_1-xxl-encoder-Q8_0.gguf
              "text_encoder_2", {"model.safetensors.index.json", "model.safetensors"},
              comfyTextDirs);
  findTokenizer(m.clipTokenizer, {"vocab.json", "merges.txt"}, "tokenizer");
  findTokenizer(m.t5Tokenizer, {"spiece.model"}, "tokenizer_2");

  // Tokenizer subfolders alone do not make a snapshot: ComfyUI users keep
  // them beside single files too.
  bool snapshotParts = false;
  for (const auto* c : {&m.transformer, &m.autoencoder, &m.clip, &m.t5})
    snapshotParts |= c->source == "hf-snapshot";
  if (folder_.empty())
    m.layout = "explicit-files";
  else if (!m.modelIndexPath.empty() || snapshotParts)
    m.layout = "hf-snapshot";
  else
    m.layout = "single-files";
  return m;
}

}  // namespace

bool ModelFiles::complete() const {
  for (const auto* c : components())
    if (!c->found) return false;
  return true;
}

ModelFiles scanModelFiles(const ModelLocation& location) { return Discovery(location).run(); }

Result<ModelFiles> discoverModelFiles(const ModelLocation& location) {
  ModelFiles files = scanModelFiles(location);
  if (files.complete()) return files;
  std::string missing;
  for (const auto* c : files.components())
    if (!c->found) missing += (missing.empty() ? "" : ", ") + c->name;
  std::string where = location.folder.empty() ? "the given files" : "'" + location.folder + "'";
  return makeError(ErrorKind::ModelMissing, "FLUX.1 model incomplete in " + where + ": missing " +
                                                missing + ".\n" + describeModelFiles(files));
}

std::string describeModelFiles(const ModelFiles& files) {
  std::string text = "layout: " + files.layout;
  if (!files.folder.empty()) text += " (" + files.folder + ")";
  text += "\n";
  for (const auto* c : files.components()) {
    text += "  " + c->name + ": ";
    if (c->found) {
      text += c->path;
      if (c->files.size() > 1) text += " (" + std::to_string(c->files.size()) + " files)";
      text += " [" + c->source + "]";
      if (!c->configPath.empty()) text += ", config " + c->configPath;
    } else {
      text += "MISSING; looked in ";
      for (size_t i = 0; i < c->lookedIn.size(); ++i) text += (i ? ", " : "") + c->lookedIn[i];
      if (c->lookedIn.empty()) text += "nothing (no folder or file given)";
      for (const auto& note : c->notes) text += "; " + note;
    }
    text += "\n";
  }
  return text;
}

}  // namespace fd
