// Every weight-renaming rule of the engine: which keys tell a component and
// its naming apart, and how diffusers / ComfyUI / llama.cpp (GGUF) names
// become the canonical ones (official BFL names for the transformer and the
// autoencoder, Hugging Face names for CLIP and T5). Recipes only point at
// checkpoint tensors; the bytes are read later by
// core/tensor/weight_loading.cpp. GGUF files of FLUX (city96's, or
// stable-diffusion.cpp's under `model.diffusion_model.`) keep the official
// names; GGUF T5 encoders use llama.cpp's names (mapT5LlamaCpp).

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "weights/component_kind.h"
#include "weights/flux_module_names.h"
#include "weights/weight_map.h"

namespace fd {

namespace {

// ---------------------------------------------------------------- markers

// The name families a component's keys come in.
enum class KeyStyle {
  Reference,  // BFL / Hugging Face names (also in city96's FLUX GGUF files)
  Diffusers,  // diffusers' model classes
  LlamaCpp,   // llama.cpp's GGUF names (city96's T5 encoder GGUF files)
};

// Two keys that must both exist under one prefix for a component (and a
// naming) to be recognised; the prefix is what precedes the first key.
struct ComponentMarkers {
  ComponentKind kind;
  const char* primary;
  const char* confirm;
  KeyStyle style;
};

const ComponentMarkers kMarkers[] = {
    {ComponentKind::Transformer, "img_in.weight", "txt_in.weight", KeyStyle::Reference},
    {ComponentKind::Transformer, "x_embedder.weight", "context_embedder.weight",
     KeyStyle::Diffusers},
    {ComponentKind::Autoencoder, "decoder.conv_in.weight", "decoder.mid.block_1.conv1.weight",
     KeyStyle::Reference},
    {ComponentKind::Autoencoder, "decoder.conv_in.weight",
     "decoder.mid_block.resnets.0.conv1.weight", KeyStyle::Diffusers},
    {ComponentKind::ClipText, "text_model.final_layer_norm.weight",
     "text_model.embeddings.token_embedding.weight", KeyStyle::Reference},
    {ComponentKind::T5Encoder, "encoder.final_layer_norm.weight",
     "encoder.block.0.layer.0.SelfAttention.q.weight", KeyStyle::Reference},
    // llama.cpp's T5 (general.architecture "t5" or "t5encoder").
    {ComponentKind::T5Encoder, "enc.output_norm.weight", "enc.blk.0.attn_q.weight",
     KeyStyle::LlamaCpp},
};

bool startsWith(std::string_view s, std::string_view head) {
  return s.size() >= head.size() && s.compare(0, head.size(), head) == 0;
}

// "model.diffusion_model.img_in.weight" with marker "img_in.weight" gives
// "model.diffusion_model."; a match must start at a name boundary.
std::optional<std::string> prefixBefore(std::string_view key, std::string_view marker) {
  if (key.size() < marker.size() || key.substr(key.size() - marker.size()) != marker)
    return std::nullopt;
  std::string_view prefix = key.substr(0, key.size() - marker.size());
  if (!prefix.empty() && prefix.back() != '.') return std::nullopt;
  return std::string(prefix);
}

struct KeyLayout {
  std::string prefix;
  KeyStyle style = KeyStyle::Reference;
  size_t marker = 0;  // index in kMarkers
};

const ComponentKind kAllKinds[] = {ComponentKind::Transformer, ComponentKind::Autoencoder,
                                   ComponentKind::ClipText, ComponentKind::T5Encoder};
constexpr size_t kKindCount = sizeof kAllKinds / sizeof kAllKinds[0];

// ComponentKind's values are 0..3 in the order of kAllKinds.
size_t kindIndex(ComponentKind kind) { return static_cast<size_t>(kind); }
static_assert(static_cast<size_t>(ComponentKind::T5Encoder) + 1 == kKindCount);

using KindLayouts = std::array<std::optional<KeyLayout>, kKindCount>;

// Per kind, the shortest prefix under which one of its marker pairs is
// complete (then the smallest prefix, then the first marker), in one pass
// over the keys: a checkpoint may hold a million of them.
KindLayouts findLayouts(const Checkpoint& checkpoint) {
  KindLayouts best;
  for (const auto& entry : checkpoint.entries()) {
    for (size_t i = 0; i < std::size(kMarkers); ++i) {
      const ComponentMarkers& m = kMarkers[i];
      auto prefix = prefixBefore(entry.first, m.primary);
      if (!prefix || !checkpoint.contains(*prefix + m.confirm)) continue;
      std::optional<KeyLayout>& slot = best[kindIndex(m.kind)];
      bool better = !slot || prefix->size() < slot->prefix.size() ||
                    (prefix->size() == slot->prefix.size() &&
                     (*prefix < slot->prefix || (*prefix == slot->prefix && i < slot->marker)));
      if (better) slot = KeyLayout{*prefix, m.style, i};
    }
  }
  return best;
}

std::optional<KeyLayout> findLayout(const Checkpoint& checkpoint, ComponentKind kind) {
  return findLayouts(checkpoint)[kindIndex(kind)];
}

// ---------------------------------------------------------------- recipes

Error invalid(const Checkpoint& checkpoint, const std::string& what) {
  return makeError(ErrorKind::ModelInvalid, checkpoint.path() + ": " + what);
}

WeightRecipe recipeOf(const CheckpointEntry& entry) {
  WeightRecipe recipe;
  recipe.parts = {entry};
  recipe.shape = entry.info->shape;
  recipe.dtype = entry.info->dtype;
  return recipe;
}

std::string shapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

// Parts concatenated along dim 0: same dtype, same rank, same trailing dims.
Result<WeightRecipe> concatRecipe(const Checkpoint& checkpoint, const std::string& canonical,
                                  const std::vector<const CheckpointEntry*>& parts) {
  WeightRecipe recipe = recipeOf(*parts.front());
  for (size_t i = 1; i < parts.size(); ++i) {
    const TensorInfo& first = *parts.front()->info;
    const TensorInfo& info = *parts[i]->info;
    bool trailingEqual =
        info.shape.size() == first.shape.size() && !info.shape.empty() &&
        std::equal(info.shape.begin() + 1, info.shape.end(), first.shape.begin() + 1);
    if (info.dtype != first.dtype || !trailingEqual)
      return invalid(checkpoint, "cannot concatenate '" + first.name + "' " +
                                     shapeText(first.shape) + " " + safetensorsName(first.dtype) +
                                     " and '" + info.name + "' " + shapeText(info.shape) + " " +
                                     safetensorsName(info.dtype) + " into '" + canonical + "'");
    recipe.parts.push_back(*parts[i]);
    recipe.shape[0] += info.shape[0];
  }
  return recipe;
}

// Collects the canonical map; two checkpoint tensors claiming one name is
// an error rather than a silent overwrite.
class MapBuilder {
 public:
  MapBuilder(const Checkpoint& checkpoint, WeightNaming naming) : checkpoint_(checkpoint) {
    map_.naming = naming;
  }
  Status add(const std::string& canonical, WeightRecipe recipe, const std::string& source) {
    auto [it, inserted] = sources_.emplace(canonical, source);
    if (!inserted)
      return invalid(checkpoint_,
                     "'" + source + "' and '" + it->second + "' both map to '" + canonical + "'");
    map_.add(canonical, std::move(recipe));
    return {};
  }
  void ignore(const std::string& key) { map_.ignored.push_back(key); }
  WeightMap take() { return std::move(map_); }

 private:
  const Checkpoint& checkpoint_;
  WeightMap map_;
  std::map<std::string, std::string> sources_;
};

// Visits the keys of one component: `local` is the key without the
// component's prefix. Keys under another component's (longer or different)
// prefix in an all-in-one file are ignored; keys under no prefix at all are
// kept under their own name so strict loading reports them.
template <typename Fn>
Status forEachLocalKey(const Checkpoint& checkpoint, ComponentKind kind, const KeyLayout& layout,
                       MapBuilder& builder, Fn&& fn) {
  std::vector<std::string> otherPrefixes;
  const KindLayouts layouts = findLayouts(checkpoint);
  for (ComponentKind other : kAllKinds) {
    if (other == kind) continue;
    const auto& otherLayout = layouts[kindIndex(other)];
    if (otherLayout && !otherLayout->prefix.empty() && otherLayout->prefix != layout.prefix)
      otherPrefixes.push_back(otherLayout->prefix);
  }
  for (const auto& [key, entry] : checkpoint.entries()) {
    size_t longestOther = 0;
    for (const auto& p : otherPrefixes)
      if (startsWith(key, p)) longestOther = std::max(longestOther, p.size());
    bool mine = startsWith(key, layout.prefix);
    if (longestOther > 0 && (!mine || longestOther > layout.prefix.size())) {
      builder.ignore(key);
      continue;
    }
    if (!mine) {
      Status s = builder.add(key, recipeOf(entry), key);
      if (!s) return s;
      continue;
    }
    Status s = fn(key.substr(layout.prefix.size()), entry);
    if (!s) return s;
  }
  return {};
}

Error notComponent(const Checkpoint& checkpoint, const char* what) {
  std::string markers;
  for (const auto& m : kMarkers) {
    const char* name = componentKindName(m.kind);
    if (std::strcmp(name, what) != 0) continue;
    markers +=
        std::string(markers.empty() ? "" : " or ") + "'" + m.primary + "' with '" + m.confirm + "'";
  }
  return invalid(checkpoint, std::string("does not hold ") + what + " weights (looked for " +
                                 markers + ", optionally under a prefix)");
}

// Reads "<head><index>." at the start of `s`, leaving the rest in `s`.
bool takeIndexed(std::string_view& s, std::string_view head, int& index) {
  if (!startsWith(s, head)) return false;
  size_t i = head.size(), start = i;
  int value = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 6)
    value = value * 10 + (s[i++] - '0');
  if (i == start || i >= s.size() || s[i] != '.') return false;
  index = value;
  s.remove_prefix(i + 1);
  return true;
}

// A prefix rename: `from` ending in '.' matches a head (weight/bias follow),
// otherwise the whole remaining key. `slot` >= 0: one of `slots` parts that
// are concatenated along dim 0 in slot order.
struct Rule {
  const char* from;
  const char* to;
  int slot = -1;
  int slots = 0;
  bool swapHalves = false;
};

const Rule* matchRule(std::string_view rest, const Rule* begin, const Rule* end,
                      std::string& tail) {
  for (const Rule* r = begin; r != end; ++r) {
    std::string_view from = r->from;
    bool head = !from.empty() && from.back() == '.';
    if (head ? startsWith(rest, from) : rest == from) {
      tail = std::string(rest.substr(from.size()));
      return r;
    }
  }
  return nullptr;
}

// ---------------------------------------------------------------- transformer

// diffusers FluxTransformer2DModel -> BFL Flux (see the golden README table).
const Rule kFluxTopRules[] = {
    {"time_text_embed.timestep_embedder.linear_1.", "time_in.in_layer."},
    {"time_text_embed.timestep_embedder.linear_2.", "time_in.out_layer."},
    {"time_text_embed.text_embedder.linear_1.", "vector_in.in_layer."},
    {"time_text_embed.text_embedder.linear_2.", "vector_in.out_layer."},
    {"time_text_embed.guidance_embedder.linear_1.", "guidance_in.in_layer."},
    {"time_text_embed.guidance_embedder.linear_2.", "guidance_in.out_layer."},
    {"context_embedder.", "txt_in."},
    {"x_embedder.", "img_in."},
    {"proj_out.", "final_layer.linear."},
    // diffusers stores [scale; shift], BFL [shift; scale].
    {"norm_out.linear.", "final_layer.adaLN_modulation.1.", -1, 0, true},
};

const Rule kFluxDoubleRules[] = {
    {"norm1.linear.", "img_mod.lin."},
    {"norm1_context.linear.", "txt_mod.lin."},
    {"attn.to_q.", "img_attn.qkv.", 0, 3},
    {"attn.to_k.", "img_attn.qkv.", 1, 3},
    {"attn.to_v.", "img_attn.qkv.", 2, 3},
    {"attn.add_q_proj.", "txt_attn.qkv.", 0, 3},
    {"attn.add_k_proj.", "txt_attn.qkv.", 1, 3},
    {"attn.add_v_proj.", "txt_attn.qkv.", 2, 3},
    {"attn.norm_q.weight", "img_attn.norm.query_norm.scale"},
    {"attn.norm_k.weight", "img_attn.norm.key_norm.scale"},
    {"attn.norm_added_q.weight", "txt_attn.norm.query_norm.scale"},
    {"attn.norm_added_k.weight", "txt_attn.norm.key_norm.scale"},
    {"attn.to_out.0.", "img_attn.proj."},
    {"attn.to_add_out.", "txt_attn.proj."},
    {"ff.net.0.proj.", "img_mlp.0."},
    {"ff.net.2.", "img_mlp.2."},
    {"ff_context.net.0.proj.", "txt_mlp.0."},
    {"ff_context.net.2.", "txt_mlp.2."},
};

const Rule kFluxSingleRules[] = {
    {"norm.linear.", "modulation.lin."},
    // linear1 = [q; k; v; mlp] along dim 0.
    {"attn.to_q.", "linear1.", 0, 4},
    {"attn.to_k.", "linear1.", 1, 4},
    {"attn.to_v.", "linear1.", 2, 4},
    {"proj_mlp.", "linear1.", 3, 4},
    {"attn.norm_q.weight", "norm.query_norm.scale"},
    {"attn.norm_k.weight", "norm.key_norm.scale"},
    {"proj_out.", "linear2."},
};

// Parts of fused tensors, gathered until every key has been seen.
struct FusedGroup {
  std::vector<const CheckpointEntry*> parts;
  std::vector<std::string> expectedKeys;  // checkpoint names, by slot
};

template <size_t N>
void expectedFusedKeys(const Rule (&rules)[N], const Rule& matched, const std::string& keyHead,
                       const std::string& tail, std::vector<std::string>& out) {
  out.assign(matched.slots, "");
  for (const Rule& r : rules)
    if (r.slot >= 0 && std::strcmp(r.to, matched.to) == 0) out[r.slot] = keyHead + r.from + tail;
}

Result<WeightMap> mapFluxDiffusers(const Checkpoint& checkpoint, const KeyLayout& layout) {
  MapBuilder builder(checkpoint, WeightNaming::Diffusers);
  std::map<std::string, FusedGroup> fused;  // canonical name -> parts
  Status status = forEachLocalKey(
      checkpoint, ComponentKind::Transformer, layout, builder,
      [&](const std::string& local, const CheckpointEntry& entry) -> Status {
        std::string_view rest = local;
        std::string canonicalHead, keyHead = layout.prefix, tail;
        const Rule* rule = nullptr;
        const Rule* begin = std::begin(kFluxTopRules);
        const Rule* end = std::end(kFluxTopRules);
        int block = 0;
        if (takeIndexed(rest, "transformer_blocks.", block)) {
          canonicalHead = "double_blocks." + std::to_string(block) + ".";
          keyHead += "transformer_blocks." + std::to_string(block) + ".";
          begin = std::begin(kFluxDoubleRules), end = std::end(kFluxDoubleRules);
        } else if (takeIndexed(rest, "single_transformer_blocks.", block)) {
          canonicalHead = "single_blocks." + std::to_string(block) + ".";
          keyHead += "single_transformer_blocks." + std::to_string(block) + ".";
          begin = std::begin(kFluxSingleRules), end = std::end(kFluxSingleRules);
        }
        rule = matchRule(rest, begin, end, tail);
        const std::string& key = entry.info->name;
        if (!rule) return builder.add(key, recipeOf(entry), key);  // unexpected, reported later
        std::string canonical = canonicalHead + rule->to + tail;
        if (rule->slot < 0) {
          WeightRecipe recipe = recipeOf(entry);
          if (rule->swapHalves) {
            if (recipe.shape.empty() || recipe.shape[0] % 2 != 0)
              return invalid(checkpoint, "'" + key + "' " + shapeText(recipe.shape) +
                                             " cannot be split into two halves along dim 0");
            recipe.swapHalves = true;
          }
          return builder.add(canonical, std::move(recipe), key);
        }
        FusedGroup& group = fused[canonical];
        if (group.parts.empty()) {
          group.parts.assign(rule->slots, nullptr);
          if (begin == std::begin(kFluxDoubleRules))
            expectedFusedKeys(kFluxDoubleRules, *rule, keyHead, tail, group.expectedKeys);
          else
            expectedFusedKeys(kFluxSingleRules, *rule, keyHead, tail, group.expectedKeys);
        }
        group.parts[rule->slot] = &entry;
        return {};
      });
  if (!status) return status.error();
  for (const auto& [canonical, group] : fused) {
    for (size_t i = 0; i < group.parts.size(); ++i)
      if (!group.parts[i])
        return invalid(checkpoint, "'" + group.expectedKeys[i] + "' is missing (part " +
                                       std::to_string(i + 1) + " of " +
                                       std::to_string(group.parts.size()) + " of '" + canonical +
                                       "')");
    auto recipe = concatRecipe(checkpoint, canonical, group.parts);
    if (!recipe) return recipe.error();
    Status s = builder.add(canonical, std::move(recipe).value(), group.expectedKeys.front());
    if (!s) return s.error();
  }
  return builder.take();
}

// Names a rule sets aside: a pattern ending in '.' matches a head, any
// other the whole key.
bool matchesAny(const std::string& local, const std::vector<std::string>& patterns) {
  for (const auto& p : patterns)
    if (p.back() == '.' ? startsWith(local, p) : local == p) return true;
  return false;
}

// Official or prefixed names: only the prefix goes.
Result<WeightMap> mapAsIs(const Checkpoint& checkpoint, ComponentKind kind, const KeyLayout& layout,
                          const std::vector<std::string>& ignoredLocal = {}) {
  MapBuilder builder(checkpoint,
                     layout.prefix.empty() ? WeightNaming::Official : WeightNaming::ComfyPrefixed);
  Status status =
      forEachLocalKey(checkpoint, kind, layout, builder,
                      [&](const std::string& local, const CheckpointEntry& entry) -> Status {
                        if (matchesAny(local, ignoredLocal)) {
                          builder.ignore(entry.info->name);
                          return {};
                        }
                        return builder.add(local, recipeOf(entry), entry.info->name);
                      });
  if (!status) return status.error();
  return builder.take();
}

// ---------------------------------------------------------------- autoencoder

std::string afterHead(std::string_view s, std::string_view head) {
  return std::string(s.substr(head.size()));
}

// diffusers AutoencoderKL -> BFL AutoEncoder, below "encoder." / "decoder.".
// `levels`: the decoder's level count (diffusers numbers up blocks from the
// lowest resolution, BFL from the highest).
std::optional<std::string> aeDiffusersToBfl(std::string_view rest, int levels,
                                            bool& dropsUnitDims) {
  auto resnetTail = [](std::string_view t) {
    std::string s(t);
    if (startsWith(s, "conv_shortcut.")) s = "nin_shortcut." + afterHead(s, "conv_shortcut.");
    return s;
  };
  int level = 0, j = 0;
  dropsUnitDims = false;
  if (startsWith(rest, "conv_in.") || startsWith(rest, "conv_out.")) return std::string(rest);
  if (startsWith(rest, "conv_norm_out.")) return "norm_out." + afterHead(rest, "conv_norm_out.");
  std::string_view r = rest;
  if (takeIndexed(r, "down_blocks.", level)) {
    std::string head = "down." + std::to_string(level) + ".";
    if (takeIndexed(r, "resnets.", j))
      return head + "block." + std::to_string(j) + "." + resnetTail(r);
    if (startsWith(r, "downsamplers.0.conv."))
      return head + "downsample.conv." + afterHead(r, "downsamplers.0.conv.");
    return std::nullopt;
  }
  r = rest;
  if (takeIndexed(r, "up_blocks.", level)) {
    if (level >= levels) return std::nullopt;
    std::string head = "up." + std::to_string(levels - 1 - level) + ".";
    if (takeIndexed(r, "resnets.", j))
      return head + "block." + std::to_string(j) + "." + resnetTail(r);
    if (startsWith(r, "upsamplers.0.conv."))
      return head + "upsample.conv." + afterHead(r, "upsamplers.0.conv.");
    return std::nullopt;
  }
  r = rest;
  if (takeIndexed(r, "mid_block.resnets.", j)) {
    if (j > 1) return std::nullopt;
    return std::string(j == 0 ? "mid.block_1." : "mid.block_2.") + resnetTail(r);
  }
  if (startsWith(r, "mid_block.attentions.0.")) {
    r.remove_prefix(std::strlen("mid_block.attentions.0."));
    // Current diffusers names, then the older ones (query/key/value/proj_attn).
    static const Rule kAttention[] = {
        {"group_norm.", "norm."},    {"to_q.", "q."},  {"to_k.", "k."}, {"to_v.", "v."},
        {"to_out.0.", "proj_out."},  {"query.", "q."}, {"key.", "k."},  {"value.", "v."},
        {"proj_attn.", "proj_out."},
    };
    std::string tail;
    const Rule* rule = matchRule(r, std::begin(kAttention), std::end(kAttention), tail);
    if (!rule) return std::nullopt;
    dropsUnitDims = std::strcmp(rule->to, "norm.") != 0 && tail == "weight";
    return std::string("mid.attn_1.") + rule->to + tail;
  }
  return std::nullopt;
}

Result<WeightMap> mapAutoencoderDiffusers(const Checkpoint& checkpoint, const KeyLayout& layout) {
  // The decoder's level count: one more than the highest up_blocks index.
  int levels = 0;
  const std::string upHead = layout.prefix + "decoder.";
  for (const auto& entry : checkpoint.entries()) {
    std::string_view rest = entry.first;
    int level = 0;
    if (!startsWith(rest, upHead)) continue;
    rest.remove_prefix(upHead.size());
    if (takeIndexed(rest, "up_blocks.", level)) levels = std::max(levels, level + 1);
  }
  MapBuilder builder(checkpoint, WeightNaming::Diffusers);
  Status status = forEachLocalKey(
      checkpoint, ComponentKind::Autoencoder, layout, builder,
      [&](const std::string& local, const CheckpointEntry& entry) -> Status {
        const std::string& key = entry.info->name;
        std::string_view rest = local;
        std::string half;
        if (startsWith(rest, "encoder."))
          half = "encoder.";
        else if (startsWith(rest, "decoder."))
          half = "decoder.";
        bool dropsUnitDims = false;
        std::optional<std::string> mapped;
        if (!half.empty())
          mapped = aeDiffusersToBfl(rest.substr(half.size()), levels, dropsUnitDims);
        if (!mapped) return builder.add(key, recipeOf(entry), key);  // unexpected, reported later
        WeightRecipe recipe = recipeOf(entry);
        if (dropsUnitDims && recipe.shape.size() == 2)
          recipe.shape = {recipe.shape[0], recipe.shape[1], 1, 1};
        return builder.add(half + *mapped, std::move(recipe), key);
      });
  if (!status) return status.error();
  return builder.take();
}

// ---------------------------------------------------------------- T5 (GGUF)

// llama.cpp's T5 names (gguf-py tensor_mapping, MODEL_ARCH.T5 / T5ENCODER)
// -> Hugging Face T5EncoderModel. Shapes need no change: GGUF's dimensions,
// reversed when the file is read, are PyTorch's (attn_rel_b included: ggml
// {n_head, n_buckets} is [num_buckets, num_heads], the Embedding's shape).
const Rule kT5LlamaCppTopRules[] = {
    {"token_embd.", "shared."},
    {"enc.output_norm.", "encoder.final_layer_norm."},
};

// Below "enc.blk.N." -> below "encoder.block.N.". ffn_gate is wi_0 (the
// gated GELU's gate) and ffn_up wi_1; a T5 v1.0 file (no gate) has its
// single `wi` as ffn_up.
const Rule kT5LlamaCppBlockRules[] = {
    {"attn_q.", "layer.0.SelfAttention.q."},
    {"attn_k.", "layer.0.SelfAttention.k."},
    {"attn_v.", "layer.0.SelfAttention.v."},
    {"attn_o.", "layer.0.SelfAttention.o."},
    {"attn_rel_b.", "layer.0.SelfAttention.relative_attention_bias."},
    {"attn_norm.", "layer.0.layer_norm."},
    {"ffn_gate.", "layer.1.DenseReluDense.wi_0."},
    {"ffn_up.", "layer.1.DenseReluDense.wi_1."},
    {"ffn_down.", "layer.1.DenseReluDense.wo."},
    {"ffn_norm.", "layer.1.layer_norm."},
};

Result<WeightMap> mapT5LlamaCpp(const Checkpoint& checkpoint, const KeyLayout& layout) {
  const bool gated = checkpoint.contains(layout.prefix + "enc.blk.0.ffn_gate.weight");
  const bool hasTokenEmbd = checkpoint.contains(layout.prefix + "token_embd.weight");
  // No naming of its own in WeightNaming: official when unprefixed.
  MapBuilder builder(checkpoint,
                     layout.prefix.empty() ? WeightNaming::Official : WeightNaming::ComfyPrefixed);
  Status status = forEachLocalKey(
      checkpoint, ComponentKind::T5Encoder, layout, builder,
      [&](const std::string& local, const CheckpointEntry& entry) -> Status {
        const std::string& key = entry.info->name;
        // A full T5 file (general.architecture "t5"): the decoder and the
        // language-model head are not used by FLUX. A writer that kept the
        // tied copy of the embedding under its Hugging Face name (it has no
        // GGUF name, see t5GgufNameFromHf) stored token_embd twice.
        if (matchesAny(local, {"dec.", "output.weight"}) ||
            (local == "encoder.embed_tokens.weight" && hasTokenEmbd)) {
          builder.ignore(key);
          return {};
        }
        std::string_view rest = local;
        std::string canonicalHead, tail;
        const Rule* begin = std::begin(kT5LlamaCppTopRules);
        const Rule* end = std::end(kT5LlamaCppTopRules);
        int block = 0;
        if (takeIndexed(rest, "enc.blk.", block)) {
          canonicalHead = "encoder.block." + std::to_string(block) + ".";
          begin = std::begin(kT5LlamaCppBlockRules), end = std::end(kT5LlamaCppBlockRules);
        }
        const Rule* rule = matchRule(rest, begin, end, tail);
        if (!rule) return builder.add(key, recipeOf(entry), key);  // unexpected, reported later
        std::string to = rule->to;
        if (!gated && to == "layer.1.DenseReluDense.wi_1.") to = "layer.1.DenseReluDense.wi.";
        return builder.add(canonicalHead + to + tail, recipeOf(entry), key);
      });
  if (!status) return status.error();
  return builder.take();
}

}  // namespace

// ---------------------------------------------------------------- public

const char* componentKindName(ComponentKind kind) {
  switch (kind) {
    case ComponentKind::Transformer: return "transformer";
    case ComponentKind::Autoencoder: return "autoencoder";
    case ComponentKind::ClipText: return "clip";
    case ComponentKind::T5Encoder: return "t5";
  }
  return "unknown";
}

std::vector<ComponentKind> componentsInCheckpoint(const Checkpoint& checkpoint) {
  std::vector<ComponentKind> kinds;
  const KindLayouts layouts = findLayouts(checkpoint);
  for (ComponentKind kind : kAllKinds)
    if (layouts[kindIndex(kind)]) kinds.push_back(kind);
  return kinds;
}

std::optional<ComponentKind> guessComponentKind(const Checkpoint& checkpoint) {
  auto kinds = componentsInCheckpoint(checkpoint);
  if (kinds.empty()) return std::nullopt;
  return kinds.front();
}

Result<WeightMap> mapFluxTransformer(const Checkpoint& checkpoint) {
  auto layout = findLayout(checkpoint, ComponentKind::Transformer);
  if (!layout) return notComponent(checkpoint, "transformer");
  if (layout->style == KeyStyle::Diffusers) return mapFluxDiffusers(checkpoint, *layout);
  return mapAsIs(checkpoint, ComponentKind::Transformer, *layout);
}

Result<WeightMap> mapAutoencoder(const Checkpoint& checkpoint) {
  auto layout = findLayout(checkpoint, ComponentKind::Autoencoder);
  if (!layout) return notComponent(checkpoint, "autoencoder");
  if (layout->style == KeyStyle::Diffusers) return mapAutoencoderDiffusers(checkpoint, *layout);
  return mapAsIs(checkpoint, ComponentKind::Autoencoder, *layout);
}

Result<WeightMap> mapClipText(const Checkpoint& checkpoint) {
  auto layout = findLayout(checkpoint, ComponentKind::ClipText);
  if (!layout) return notComponent(checkpoint, "clip");
  // position_ids is a buffer the model computes; text_projection belongs to
  // CLIPTextModelWithProjection, whose projected output FLUX does not use;
  // a full CLIPModel also carries the vision tower.
  return mapAsIs(checkpoint, ComponentKind::ClipText, *layout,
                 {"text_model.embeddings.position_ids", "text_projection.weight", "vision_model.",
                  "visual_projection.weight", "logit_scale"});
}

Result<WeightMap> mapT5Encoder(const Checkpoint& checkpoint) {
  auto layout = findLayout(checkpoint, ComponentKind::T5Encoder);
  if (!layout) return notComponent(checkpoint, "t5");
  if (layout->style == KeyStyle::LlamaCpp) return mapT5LlamaCpp(checkpoint, *layout);
  // The input embedding is tied: T5EncoderModel saves it as both
  // shared.weight and encoder.embed_tokens.weight; some files keep only one.
  // The canonical name is shared.weight, whichever the file has.
  const std::string shared = layout->prefix + "shared.weight";
  const std::string embed = layout->prefix + "encoder.embed_tokens.weight";
  bool hasShared = checkpoint.contains(shared), hasEmbed = checkpoint.contains(embed);
  MapBuilder builder(checkpoint,
                     layout->prefix.empty() ? WeightNaming::Official : WeightNaming::ComfyPrefixed);
  Status status =
      forEachLocalKey(checkpoint, ComponentKind::T5Encoder, *layout, builder,
                      [&](const std::string& local, const CheckpointEntry& entry) -> Status {
                        const std::string& key = entry.info->name;
                        // A full T5ForConditionalGeneration file: FLUX uses the encoder only.
                        if (matchesAny(local, {"decoder.", "lm_head.weight"})) {
                          builder.ignore(key);
                          return {};
                        }
                        if (local == "encoder.embed_tokens.weight") {
                          if (hasShared) {
                            builder.ignore(key);
                            return {};
                          }
                          return builder.add("shared.weight", recipeOf(entry), key);
                        }
                        return builder.add(local, recipeOf(entry), key);
                      });
  if (!status) return status.error();
  if (hasShared && hasEmbed) {
    const TensorInfo& a = *checkpoint.find(shared)->info;
    const TensorInfo& b = *checkpoint.find(embed)->info;
    if (a.shape != b.shape)
      return invalid(checkpoint, "'" + shared + "' " + shapeText(a.shape) + " and '" + embed +
                                     "' " + shapeText(b.shape) +
                                     " should be the same tied embedding");
  }
  return builder.take();
}

std::string t5GgufNameFromHf(const std::string& hfName) {
  // The rules of mapT5LlamaCpp, read from right to left.
  std::string_view rest = hfName;
  int block = 0;
  if (takeIndexed(rest, "encoder.block.", block)) {
    const std::string head = "enc.blk." + std::to_string(block) + ".";
    if (startsWith(rest, "layer.1.DenseReluDense.wi."))  // T5 v1.0: the ungated wi
      return head + "ffn_up." + std::string(rest.substr(std::strlen("layer.1.DenseReluDense.wi.")));
    for (const Rule& r : kT5LlamaCppBlockRules)
      if (startsWith(rest, r.to))
        return head + r.from + std::string(rest.substr(std::strlen(r.to)));
    return hfName;
  }
  for (const Rule& r : kT5LlamaCppTopRules)
    if (startsWith(hfName, r.to)) return r.from + hfName.substr(std::strlen(r.to));
  return hfName;
}

// ---------------------------------------------------------------- FLUX modules (LoRA)

namespace {

// The head rules of `rules` ("attn.to_q." -> "img_attn.qkv.") applied to a
// module name: "module." must equal a rule's head, leaving no tail.
template <size_t N>
std::optional<FluxModuleSlot> moduleByRules(std::string_view rest, const Rule (&rules)[N],
                                            const std::string& canonicalHead) {
  const std::string dotted = std::string(rest) + ".";
  std::string tail;
  const Rule* rule = matchRule(dotted, std::begin(rules), std::end(rules), tail);
  if (!rule || !tail.empty()) return std::nullopt;
  std::string to = rule->to;  // ends with '.' for a head rule
  to.pop_back();
  return FluxModuleSlot{canonicalHead + to, rule->slot, rule->slots, rule->swapHalves};
}

template <size_t N>
void appendModules(const Rule (&rules)[N], const std::string& head, std::vector<std::string>& out) {
  for (const Rule& r : rules) {
    std::string_view from = r.from;
    if (from.empty() || from.back() != '.') continue;  // a whole-key rule (norm scales)
    out.push_back(head + std::string(from.substr(0, from.size() - 1)));
  }
}

}  // namespace

std::optional<FluxModuleSlot> fluxModuleFromDiffusers(std::string_view module) {
  std::string_view rest = module;
  int block = 0;
  if (takeIndexed(rest, "transformer_blocks.", block))
    return moduleByRules(rest, kFluxDoubleRules, "double_blocks." + std::to_string(block) + ".");
  if (takeIndexed(rest, "single_transformer_blocks.", block))
    return moduleByRules(rest, kFluxSingleRules, "single_blocks." + std::to_string(block) + ".");
  return moduleByRules(rest, kFluxTopRules, "");
}

std::vector<std::string> fluxDiffusersModules(int64_t doubleBlocks, int64_t singleBlocks) {
  std::vector<std::string> names;
  appendModules(kFluxTopRules, "", names);
  for (int64_t i = 0; i < doubleBlocks; ++i)
    appendModules(kFluxDoubleRules, "transformer_blocks." + std::to_string(i) + ".", names);
  for (int64_t i = 0; i < singleBlocks; ++i)
    appendModules(kFluxSingleRules, "single_transformer_blocks." + std::to_string(i) + ".", names);
  return names;
}

}  // namespace fd
