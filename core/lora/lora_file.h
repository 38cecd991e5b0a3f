#pragma once
// Reading one LoRA file: its tensors grouped into down/up(/alpha) pairs,
// each pair resolved to a layer of the FLUX transformer and the rows it
// adds to (lora/lora_keys.h), shapes checked against that layer.
// Engine-internal (torch).

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "lora/lora_keys.h"

namespace fd {

struct LoraTarget {
  std::string module;               // BFL module path, e.g. "double_blocks.0.img_attn.qkv"
  std::string key;                  // the file's down tensor, for messages
  int64_t rowOffset = 0, rows = 0;  // the output rows of `module` it adds to
  torch::Tensor down;               // (rank, in), CPU
  torch::Tensor up;                 // (rows, rank), CPU, already in BFL row order
  float alphaOverRank = 1.0f;       // alpha / rank; 1 when the file has no alpha
};

struct LoraFile {
  std::string path;
  std::string format;  // "kohya", "diffusers", "bfl", "xlabs"; "+"-joined when mixed
  std::vector<LoraTarget> targets;
  std::vector<std::string> unmatchedKeys;  // tensors that adapt nothing in this model
};

// `layers`: the model's Dense layers (BFL path -> in, out). Tensors are read
// into `dtype`. Errors: ModelMissing / ModelInvalid when the file cannot be
// read; ModelInvalid for a pair that is incomplete or whose ranks disagree;
// BadRequest when nothing in the file matches the model (a few of its keys
// listed) or a pair does not fit its layer (the key and both shapes named).
Result<LoraFile> readLoraFile(const std::string& path, const LoraLayerShapes& layers,
                              torch::ScalarType dtype = torch::kFloat32);

}  // namespace fd
