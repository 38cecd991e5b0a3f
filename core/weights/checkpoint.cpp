#include "weights/checkpoint.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "weights/json_strict.h"

namespace fd {

namespace {

namespace fs = std::filesystem;

bool endsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Error invalid(const std::string& path, const std::string& problem) {
  return makeError(ErrorKind::ModelInvalid, path + ": " + problem);
}

Result<std::string> readIndexText(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return makeError(ErrorKind::ModelMissing, path + ": file not found");
  if (!fs::is_regular_file(path, ec)) return invalid(path, "not a regular file");
  // Real indexes are well under a megabyte; refuse to slurp anything huge.
  if (fs::file_size(path, ec) > 256ull * 1024 * 1024)
    return invalid(path, "index file is too large");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return makeError(ErrorKind::Io, path + ": cannot read");
  return text.str();
}

// weight_map: tensor name -> shard file name (relative to the index folder).
Result<std::map<std::string, std::string>> readWeightMap(const std::string& path) {
  auto text = readIndexText(path);
  if (!text.ok()) return text.error();
  auto parsed = parseJsonStrict(path, text.value(), "index");
  if (!parsed.ok()) return parsed.error();
  const nlohmann::json& json = parsed.value();
  if (!json.is_object()) return invalid(path, "index must be a JSON object");
  auto mapIt = json.find("weight_map");
  if (mapIt == json.end() || !mapIt->is_object())
    return invalid(path, "index has no 'weight_map' object");
  std::map<std::string, std::string> weightMap;
  for (const auto& [name, shard] : mapIt->items()) {
    if (!shard.is_string())
      return invalid(path, "weight_map value must be a file name (tensor '" + name + "')");
    const fs::path shardPath(shard.get<std::string>());
    // Shards sit beside the index; a name leaving that folder is hostile.
    bool escapes = shardPath.empty() || shardPath.is_absolute();
    for (const auto& part : shardPath)
      if (part == "..") escapes = true;
    if (escapes)
      return invalid(path, "weight_map names shard '" + shard.get<std::string>() +
                               "' outside the index folder (tensor '" + name + "')");
    weightMap[name] = shardPath.lexically_normal().string();
  }
  if (weightMap.empty()) return invalid(path, "weight_map is empty");
  return weightMap;
}

}  // namespace

Result<Checkpoint> Checkpoint::open(const std::string& path) {
  Checkpoint checkpoint;
  checkpoint.path_ = path;

  if (!endsWith(path, ".json")) {
    auto file = openTensorFile(path);  // safetensors or GGUF, by magic
    if (!file.ok()) return file.error();
    checkpoint.shards_.push_back(file.value());
    // In name order, each insertion hinted at the end: a million tensors
    // cost one sort rather than a tree search each.
    std::vector<const TensorInfo*> byName;
    byName.reserve(file.value()->tensors().size());
    for (const auto& info : file.value()->tensors()) byName.push_back(&info);
    std::sort(byName.begin(), byName.end(),
              [](const TensorInfo* a, const TensorInfo* b) { return a->name < b->name; });
    for (const TensorInfo* info : byName)
      checkpoint.entries_.emplace_hint(checkpoint.entries_.end(), info->name,
                                       CheckpointEntry{file.value(), info});
    return checkpoint;
  }

  auto weightMap = readWeightMap(path);
  if (!weightMap.ok()) return weightMap.error();
  const fs::path folder = fs::path(path).parent_path();

  // Open each distinct shard once, in name order.
  std::map<std::string, std::shared_ptr<TensorFile>> shardsByName;
  for (const auto& [name, shard] : weightMap.value()) shardsByName[shard] = nullptr;
  for (auto& [shard, file] : shardsByName) {
    const std::string shardPath = (folder / shard).string();
    auto opened = openTensorFile(shardPath);
    if (!opened.ok())
      return makeError(
          opened.error().kind,
          path + ": shard '" + shard + "' listed in weight_map: " + opened.error().message);
    file = opened.value();
    checkpoint.shards_.push_back(file);
  }

  // Every listed name must be in its shard.
  for (const auto& [name, shard] : weightMap.value()) {
    const auto& file = shardsByName[shard];
    if (!file->find(name))
      return invalid(path, "tensor '" + name + "' is mapped to " + file->path() +
                               " but that shard does not contain it");
  }
  // Every tensor of every shard, each in exactly one shard.
  for (const auto& file : checkpoint.shards_) {
    for (const auto& info : file->tensors()) {
      auto [it, inserted] = checkpoint.entries_.emplace(info.name, CheckpointEntry{file, &info});
      if (!inserted)
        return invalid(path, "tensor '" + info.name + "' is present in both " +
                                 it->second.file->path() + " and " + file->path());
    }
  }
  return checkpoint;
}

std::vector<std::string> Checkpoint::files() const {
  std::vector<std::string> paths;
  for (const auto& shard : shards_) paths.push_back(shard->path());
  return paths;
}

const CheckpointEntry* Checkpoint::find(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

void Checkpoint::releasePages() const {
  for (const auto& shard : shards_) shard->releasePages();
}

uint64_t Checkpoint::totalBytes() const {
  uint64_t total = 0;
  for (const auto& [name, entry] : entries_) total += entry.info->byteSize();
  return total;
}

}  // namespace fd
