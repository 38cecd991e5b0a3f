#pragma once
// What the pipeline asks for and gets back when it puts LoRA adapters on the
// transformer (lora/lora_apply.h). Torch-free: the pipeline's torch-free
// API (pipeline.h) carries these.

#include <cstddef>
#include <string>
#include <vector>

namespace fd {

struct LoraSpec {
  // a .safetensors LoRA file (kohya, diffusers/PEFT, BFL/ComfyUI or XLabs naming)
  std::string path;
  double scale = 1.0;  // strength; 0 adds nothing
};

inline bool operator==(const LoraSpec& a, const LoraSpec& b) {
  return a.path == b.path && a.scale == b.scale;
}
inline bool operator!=(const LoraSpec& a, const LoraSpec& b) { return !(a == b); }

// One applied file.
struct LoraFileReport {
  std::string path;
  std::string format;  // "kohya", "diffusers", "bfl", "xlabs" ("+"-joined when mixed)
  double scale = 1.0;
  size_t adapters = 0;  // (layer, rows) pairs adapted
  size_t unmatchedKeys =
      0;  // tensors that belong to no layer of this model (e.g. text-encoder parts)
  std::vector<std::string> unmatchedExamples;  // the first few of them
};

struct LoraReport {
  std::vector<LoraFileReport> files;  // in the order of the specs
};

}  // namespace fd
