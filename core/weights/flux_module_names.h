#pragma once
// FLUX transformer layers by module name (no ".weight"), for files that
// name layers rather than tensors: LoRA adapters in diffusers / PEFT naming
// ("transformer_blocks.0.attn.to_q") resolved to the official BFL module
// ("double_blocks.0.img_attn.qkv", rows of its q part). The rules are the
// ones that map full diffusers checkpoints (weight_names.cpp), read per
// module. Torch-free.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fd {

struct FluxModuleSlot {
  std::string module;  // BFL module path, e.g. "single_blocks.3.linear1"
  // >= 0: the diffusers layer is part `part` of `parts` stacked along the
  // BFL layer's output rows (q, k, v of img_attn.qkv / txt_attn.qkv; q, k,
  // v, proj_mlp of a single block's linear1); -1: the whole layer.
  int part = -1;
  int parts = 0;
  // diffusers' norm_out.linear rows are [scale; shift], BFL's [shift; scale].
  bool swapHalves = false;
};

// A linear layer of diffusers' FluxTransformer2DModel (no prefix, no
// ".weight") -> its BFL layer; nullopt for names that are not linear layers
// of the transformer (norm scales included).
std::optional<FluxModuleSlot> fluxModuleFromDiffusers(std::string_view module);

// Every linear layer name of a diffusers FluxTransformer2DModel with the given
// block counts (guidance embedder included): what underscored LoRA names
// ("lora_transformer_transformer_blocks_0_attn_to_q") are matched against.
std::vector<std::string> fluxDiffusersModules(int64_t doubleBlocks, int64_t singleBlocks);

}  // namespace fd
