#include "lora/lora_keys.h"

#include <algorithm>
#include <cctype>
#include <iterator>

#include "weights/flux_module_names.h"

namespace fd {

namespace {

bool startsWith(std::string_view s, std::string_view head) {
  return s.size() >= head.size() && s.compare(0, head.size(), head) == 0;
}

bool endsWith(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// kohya's names: the dotted path with '.' -> '_', compared without case.
std::string underscored(std::string_view dotted) {
  std::string s(dotted);
  for (char& c : s)
    c = c == '.' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The block count of "<head>N." names among the layers.
int64_t blockCount(const LoraLayerShapes& layers, std::string_view head) {
  int64_t count = 0;
  for (const auto& entry : layers) {
    std::string_view name = entry.first;
    if (!startsWith(name, head)) continue;
    name.remove_prefix(head.size());
    int64_t index = 0;
    size_t i = 0;
    while (i < name.size() && i < 6 && std::isdigit(static_cast<unsigned char>(name[i])))
      index = index * 10 + (name[i++] - '0');
    if (i > 0) count = std::max(count, index + 1);
  }
  return count;
}

struct RoleSuffix {
  const char* suffix;
  LoraRole role;
};

// Longest first where one ends another.
const RoleSuffix kRoleSuffixes[] = {
    {".lora_down.weight", LoraRole::Down},  // kohya, ComfyUI
    {".lora_up.weight", LoraRole::Up},
    {".lora_A.weight", LoraRole::Down},  // PEFT / diffusers, BFL
    {".lora_B.weight", LoraRole::Up},
    {".down.weight",
     LoraRole::Down},  // XLabs (processor.qkv_lora1.down), old diffusers (to_q.lora.down)
    {".up.weight", LoraRole::Up},
    {".alpha", LoraRole::Alpha},
};

// Prefixes a dotted name may carry before the module path: ComfyUI's
// diffusion_model., PEFT's base_model.model., diffusers' transformer.
const char* const kDottedPrefixes[] = {
    "",
    "diffusion_model.",
    "model.diffusion_model.",
    "transformer.",
    "base_model.model.",
    "base_model.model.transformer.",
    "unet.",
};

// XLabs' DoubleStreamBlockLoraProcessor: lora1 adapts the image stream,
// lora2 the text stream.
struct XLabsLayer {
  const char* processor;
  const char* layer;
};
const XLabsLayer kXLabsDouble[] = {
    {"qkv_lora1", "img_attn.qkv"},
    {"qkv_lora2", "txt_attn.qkv"},
    {"proj_lora1", "img_attn.proj"},
    {"proj_lora2", "txt_attn.proj"},
};

}  // namespace

std::optional<LoraKey> parseLoraKey(std::string_view key) {
  for (const auto& r : kRoleSuffixes) {
    if (!endsWith(key, r.suffix)) continue;
    std::string_view module = key.substr(0, key.size() - std::char_traits<char>::length(r.suffix));
    if (endsWith(module, ".lora")) module.remove_suffix(5);  // old diffusers: to_q.lora.down.weight
    if (module.empty()) return std::nullopt;
    return LoraKey{std::string(module), r.role};
  }
  return std::nullopt;
}

LoraModuleResolver::LoraModuleResolver(const LoraLayerShapes& layers) : layers_(layers) {
  for (const auto& entry : layers_) underscoredBfl_.emplace(underscored(entry.first), entry.first);
  const auto diffusers = fluxDiffusersModules(blockCount(layers_, "double_blocks."),
                                              blockCount(layers_, "single_blocks."));
  for (const auto& name : diffusers)
    if (fromDiffusers(name, "")) underscoredDiffusers_.emplace(underscored(name), name);
}

std::optional<LoraPlacement> LoraModuleResolver::whole(const std::string& module,
                                                       const char* format) const {
  auto it = layers_.find(module);
  if (it == layers_.end()) return std::nullopt;
  return LoraPlacement{module, 0, it->second.out, false, format};
}

std::optional<LoraPlacement> LoraModuleResolver::fromDiffusers(std::string_view module,
                                                               const char* format) const {
  auto slot = fluxModuleFromDiffusers(module);
  if (!slot) return std::nullopt;
  auto it = layers_.find(slot->module);
  if (it == layers_.end()) return std::nullopt;
  const LoraLayerShape& layer = it->second;
  if (slot->part < 0) return LoraPlacement{slot->module, 0, layer.out, slot->swapHalves, format};
  // BFL's fused layers stack q, k and v of `hidden` rows each (hidden is
  // their input width), then, in a single block's linear1, the MLP input
  // (part 3) in the remaining rows.
  const int64_t offset = slot->part * layer.in;
  const int64_t rows = slot->part < 3 ? layer.in : layer.out - offset;
  return LoraPlacement{slot->module, offset, rows, false, format};
}

std::optional<LoraPlacement> LoraModuleResolver::fromXLabs(std::string_view module) const {
  // "double_blocks.N.processor.<name>"
  const std::string_view head = "double_blocks.";
  if (!startsWith(module, head)) return std::nullopt;
  const size_t processor = module.find(".processor.");
  if (processor == std::string_view::npos) return std::nullopt;
  const std::string_view index = module.substr(head.size(), processor - head.size());
  if (index.empty() ||
      !std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  const std::string_view name =
      module.substr(processor + std::char_traits<char>::length(".processor."));
  for (const auto& x : kXLabsDouble)
    if (name == x.processor)
      return whole(std::string(module.substr(0, processor)) + "." + x.layer, "xlabs");
  return std::nullopt;
}

std::optional<LoraPlacement> LoraModuleResolver::resolve(std::string_view module) const {
  // kohya: "lora_unet_" + underscored BFL names (sd-scripts' FLUX LoRAs), or
  // "lora_transformer_" + underscored diffusers names (some trainers); the
  // underscores are looked up, since BFL's own names have underscores too.
  for (std::string_view prefix :
       {std::string_view("lora_unet_"), std::string_view("lora_transformer_")}) {
    if (!startsWith(module, prefix)) continue;
    const std::string rest = underscored(module.substr(prefix.size()));
    if (auto it = underscoredBfl_.find(rest); it != underscoredBfl_.end())
      return whole(it->second, "kohya");
    if (auto it = underscoredDiffusers_.find(rest); it != underscoredDiffusers_.end())
      return fromDiffusers(it->second, "kohya");
    return std::nullopt;
  }
  for (std::string_view prefix : kDottedPrefixes) {
    if (!startsWith(module, prefix)) continue;
    const std::string_view rest = module.substr(prefix.size());
    if (auto p = whole(std::string(rest), "bfl")) return p;
    if (auto p = fromXLabs(rest)) return p;
    if (auto p = fromDiffusers(rest, "diffusers")) return p;
  }
  return std::nullopt;
}

}  // namespace fd
