#pragma once
// LoRA tensor names -> the FLUX transformer's layers. A LoRA file names
// each adapted layer in its trainer's naming (kohya's underscored BFL or
// diffusers names, diffusers / PEFT dotted names with or without
// `transformer.` / `base_model.model.`, BFL / ComfyUI names under
// `diffusion_model.`, XLabs' processor names); this resolves them against
// the layers the model actually has, so an underscored name goes back to
// its dotted path by lookup, never by guessing which underscores were dots.
// Torch-free.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace fd {

enum class LoraRole { Down, Up, Alpha };

struct LoraKey {
  // the key without its role suffix, e.g. "lora_unet_double_blocks_0_img_attn_qkv"
  std::string module;
  LoraRole role = LoraRole::Down;
};

// ".lora_down.weight" / ".lora_A.weight" / ".down.weight" -> Down, the up
// forms -> Up, ".alpha" -> Alpha. nullopt for any other tensor (LyCORIS
// LoKr / LoHa factors, DoRA magnitudes, full-weight diffs, biases).
std::optional<LoraKey> parseLoraKey(std::string_view key);

// A Dense layer of the model: input width and output rows.
struct LoraLayerShape {
  int64_t in = 0, out = 0;
};
using LoraLayerShapes = std::map<std::string, LoraLayerShape>;  // by BFL module path

// Where one down/up pair lands.
struct LoraPlacement {
  std::string module;  // BFL module path
  int64_t rowOffset = 0, rows = 0;
  bool swapHalves = false;  // the up rows are diffusers' [scale; shift] halves
  const char* format = "";  // "kohya", "diffusers", "bfl", "xlabs"
};

class LoraModuleResolver {
 public:
  explicit LoraModuleResolver(const LoraLayerShapes& layers);
  // A LoraKey::module -> its layer and rows; nullopt when the model has no
  // such layer (another architecture, a text encoder's part, guidance_in
  // on a model without guidance).
  std::optional<LoraPlacement> resolve(std::string_view module) const;

 private:
  std::optional<LoraPlacement> whole(const std::string& module, const char* format) const;
  std::optional<LoraPlacement> fromDiffusers(std::string_view module, const char* format) const;
  std::optional<LoraPlacement> fromXLabs(std::string_view module) const;

  LoraLayerShapes layers_;
  // Lower-cased underscored names ("double_blocks_0_img_attn_qkv") -> the
  // dotted BFL / diffusers names of the layers this model has.
  std::map<std::string, std::string> underscoredBfl_, underscoredDiffusers_;
};

}  // namespace fd
