#pragma once
// The canonical view of a component's weights: official BFL names for the
// transformer and the autoencoder, Hugging Face names for CLIP and T5. Each
// canonical tensor is a recipe over checkpoint tensors, so diffusers or
// ComfyUI files load lazily without copies of the whole state dict.
// All renaming rules live in weight_names.cpp; this header is torch-free.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "weights/architecture.h"
#include "weights/checkpoint.h"

namespace fd {

struct WeightRecipe {
  // Concatenated along dim 0 in this order (one part: taken as it is).
  std::vector<CheckpointEntry> parts;
  // diffusers' norm_out.linear stores [scale; shift]; BFL wants [shift; scale].
  bool swapHalves = false;
  // Shape of the canonical tensor (after concatenation and reshape, e.g. a
  // diffusers [C,C] attention weight becomes BFL's [C,C,1,1]).
  std::vector<int64_t> shape;
  DType dtype = DType::F32;  // stored dtype (of the first part)
};

enum class WeightNaming { Official, Diffusers, ComfyPrefixed };
const char* weightNamingName(WeightNaming naming);

class WeightMap {
 public:
  void add(std::string canonicalName, WeightRecipe recipe);
  const WeightRecipe* find(const std::string& name) const;
  bool contains(const std::string& name) const { return find(name) != nullptr; }
  const std::map<std::string, WeightRecipe>& recipes() const { return recipes_; }
  std::optional<std::vector<int64_t>> shape(const std::string& name) const;
  int64_t parameterCount() const;
  WeightNaming naming = WeightNaming::Official;
  // Checkpoint names that were read but belong to no canonical tensor and
  // are harmless (e.g. CLIP position_ids, T5's duplicate embed_tokens).
  std::vector<std::string> ignored;

 private:
  std::map<std::string, WeightRecipe> recipes_;
};

// Map a checkpoint onto canonical names. Detects the naming (official,
// `model.diffusion_model.`-prefixed, diffusers) from the keys. Keys that
// match no rule are kept under their own name, so strict loading reports
// them as unexpected.
Result<WeightMap> mapFluxTransformer(const Checkpoint& checkpoint);
Result<WeightMap> mapAutoencoder(const Checkpoint& checkpoint);
Result<WeightMap> mapClipText(const Checkpoint& checkpoint);
Result<WeightMap> mapT5Encoder(const Checkpoint& checkpoint);

// The llama.cpp / city96 GGUF name of a Hugging Face T5 encoder tensor
// ("encoder.block.3.layer.1.DenseReluDense.wi_0.weight" ->
// "enc.blk.3.ffn_gate.weight"): the reverse of mapT5Encoder's GGUF rules,
// for writers of T5 GGUF files. Names without a GGUF form come back as they are.
std::string t5GgufNameFromHf(const std::string& hfName);

// Architecture from shapes. `configJson` is the text of a config.json found
// beside the weights (diffusers, HF, or a golden case's), or empty; it
// supplies what shapes cannot (rope axes, theta, scale/shift factors, eps).
Result<FluxParams> detectFluxParams(const WeightMap& weights, const std::string& configJson = {});
Result<AutoEncoderParams> detectAutoencoderParams(const WeightMap& weights,
                                                  const std::string& configJson = {});
Result<ClipTextParams> detectClipTextParams(const WeightMap& weights,
                                            const std::string& configJson = {});
Result<T5Params> detectT5Params(const WeightMap& weights, const std::string& configJson = {});

}  // namespace fd
