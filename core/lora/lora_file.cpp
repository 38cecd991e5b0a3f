#include "lora/lora_file.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "tensor/weight_loading.h"
#include "weights/checkpoint.h"

namespace fd {

namespace {

// The tensors of one adapted layer, as the file names them.
struct PairEntries {
  const CheckpointEntry* down = nullptr;
  const CheckpointEntry* up = nullptr;
  const CheckpointEntry* alpha = nullptr;
  std::vector<std::string> keys;
};

std::string shapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string shapeText(const torch::Tensor& t) { return shapeText(t.sizes().vec()); }

// Linear LoRAs are 2-D; some trainers save them as 1x1 convolutions
// (rank, in, 1, 1): the unit dims go.
Result<torch::Tensor> loadMatrix(const CheckpointEntry& entry, torch::ScalarType dtype,
                                 const std::string& path) {
  auto t = loadTensor(entry, dtype);
  if (!t) return t.error();
  torch::Tensor m = std::move(t).value();
  while (m.dim() > 2 && m.size(-1) == 1) m = m.squeeze(-1);
  if (m.dim() != 2)
    return makeError(
        ErrorKind::ModelInvalid,
        path + ": '" + entry.info->name + "' " + shapeText(entry.info->shape) + " is not a matrix");
  return m;
}

Result<float> loadAlpha(const CheckpointEntry& entry, const std::string& path) {
  auto t = loadTensor(entry, torch::kFloat32);
  if (!t) return t.error();
  if (t.value().numel() != 1)
    return makeError(ErrorKind::ModelInvalid, path + ": '" + entry.info->name + "' " +
                                                  shapeText(entry.info->shape) +
                                                  " should hold one number");
  return t.value().item<float>();
}

Error nothingMatches(const std::string& path, const std::vector<std::string>& keys) {
  // LyCORIS' other adapter kinds are named, so the user learns why.
  for (const auto& key : keys)
    if (key.find(".lokr_") != std::string::npos || key.find(".hada_") != std::string::npos)
      return makeError(ErrorKind::BadRequest,
                       path + ": '" + key +
                           "' is a LyCORIS LoKr / LoHa factor; only LoRA (down/up) "
                           "adapters can be applied");
  std::string examples;
  for (size_t i = 0; i < keys.size() && i < 3; ++i) examples += (i ? ", '" : "'") + keys[i] + "'";
  return makeError(ErrorKind::BadRequest,
                   path + ": no LoRA weights for this FLUX transformer in its " +
                       std::to_string(keys.size()) + " tensors (" +
                       (keys.empty() ? std::string("none") : "e.g. " + examples) +
                       "): is it a LoRA for another model?");
}

// One down/up pair -> its target, shapes checked.
Result<LoraTarget> makeTarget(const PairEntries& pair, const LoraPlacement& placement,
                              const LoraLayerShape& layer, torch::ScalarType dtype,
                              const std::string& path) {
  const std::string& downKey = pair.down->info->name;
  const std::string& upKey = pair.up->info->name;
  auto down = loadMatrix(*pair.down, dtype, path);
  if (!down) return down.error();
  auto up = loadMatrix(*pair.up, dtype, path);
  if (!up) return up.error();
  LoraTarget target;
  target.module = placement.module;
  target.key = downKey;
  target.rowOffset = placement.rowOffset;
  target.rows = placement.rows;
  target.down = std::move(down).value();  // (rank, in)
  target.up = std::move(up).value();      // (rows, rank)
  const int64_t rank = target.down.size(0);
  if (target.up.size(1) != rank)
    return makeError(ErrorKind::ModelInvalid, path + ": '" + downKey + "' " +
                                                  shapeText(target.down) + " and '" + upKey + "' " +
                                                  shapeText(target.up) + " disagree on the rank");
  if (target.down.size(1) != layer.in || target.up.size(0) != placement.rows) {
    std::ostringstream s;
    s << path << ": '" << downKey << "' " << shapeText(target.down) << " and '" << upKey << "' "
      << shapeText(target.up) << " do not fit '" << placement.module << "' [" << layer.out << ", "
      << layer.in << "]: expected down [rank, " << layer.in << "] and up [" << placement.rows
      << ", rank]";
    if (placement.rows != layer.out)
      s << " (rows " << placement.rowOffset << ".." << placement.rowOffset + placement.rows << ")";
    return makeError(ErrorKind::BadRequest, s.str());
  }
  if (placement.swapHalves) {
    if (target.up.size(0) % 2 != 0)
      return makeError(ErrorKind::BadRequest, path + ": '" + upKey + "' " + shapeText(target.up) +
                                                  " cannot be split into halves");
    const int64_t half = target.up.size(0) / 2;
    target.up = torch::cat(
        {target.up.narrow(0, half, half), target.up.narrow(0, 0, half)});  // [shift; scale]
  }
  target.alphaOverRank = 1.0f;
  if (pair.alpha) {
    auto alpha = loadAlpha(*pair.alpha, path);
    if (!alpha) return alpha.error();
    target.alphaOverRank = alpha.value() / static_cast<float>(rank);
  }
  return target;
}

}  // namespace

Result<LoraFile> readLoraFile(const std::string& path, const LoraLayerShapes& layers,
                              torch::ScalarType dtype) {
  auto checkpoint = Checkpoint::open(path);
  if (!checkpoint) return checkpoint.error();
  LoraFile file;
  file.path = path;
  std::vector<std::string> allKeys;
  std::map<std::string, PairEntries> pairs;  // by LoraKey::module
  for (const auto& [key, entry] : checkpoint.value().entries()) {
    allKeys.push_back(key);
    auto parsed = parseLoraKey(key);
    if (!parsed) {
      file.unmatchedKeys.push_back(key);
      continue;
    }
    PairEntries& pair = pairs[parsed->module];
    pair.keys.push_back(key);
    (parsed->role == LoraRole::Down ? pair.down
     : parsed->role == LoraRole::Up ? pair.up
                                    : pair.alpha) = &entry;
  }

  const LoraModuleResolver resolver(layers);
  std::vector<std::string> formats;
  for (const auto& [module, pair] : pairs) {
    auto placement = resolver.resolve(module);
    if (!placement || (!pair.down && !pair.up)) {
      file.unmatchedKeys.insert(file.unmatchedKeys.end(), pair.keys.begin(), pair.keys.end());
      continue;
    }
    if (!pair.down || !pair.up)
      return makeError(ErrorKind::ModelInvalid, path + ": '" + pair.keys.front() + "' has no " +
                                                    (pair.down ? "up" : "down") +
                                                    " matrix beside it");
    auto target = makeTarget(pair, *placement, layers.at(placement->module), dtype, path);
    if (!target) return target.error();
    file.targets.push_back(std::move(target).value());
    if (std::find(formats.begin(), formats.end(), placement->format) == formats.end())
      formats.push_back(placement->format);
  }
  if (file.targets.empty()) return nothingMatches(path, allKeys);
  for (const auto& f : formats) file.format += (file.format.empty() ? "" : "+") + f;
  return file;
}

}  // namespace fd
