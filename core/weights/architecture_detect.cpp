// Architecture parameters read from canonical weight shapes. What shapes
// cannot tell comes from a config.json beside the weights: a diffusers
// config (FluxTransformer2DModel / AutoencoderKL), one with BFL's dataclass
// field names (FluxParams / AutoEncoderParams), or an HF config
// (CLIPTextConfig, CLIPConfig's text_config, T5Config); else FLUX.1's values.

#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "weights/weight_map.h"

namespace fd {

namespace {

using nlohmann::json;

Error invalid(const std::string& component, const std::string& what) {
  return makeError(ErrorKind::ModelInvalid, component + " weights: " + what);
}

std::string shapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

// Reads shapes and names the missing key (and why it was needed) in errors.
class ShapeReader {
 public:
  ShapeReader(const WeightMap& weights, std::string component)
      : weights_(weights), component_(std::move(component)) {}

  // Dimension `dim` of tensor `name`, which must have rank `rank`.
  Result<int64_t> dim(const std::string& name, size_t rank, size_t dim,
                      const char* neededFor) const {
    auto shape = weights_.shape(name);
    if (!shape)
      return invalid(component_, "'" + name + "' is missing (needed for " + neededFor + ")");
    if (shape->size() != rank || (*shape)[dim] <= 0)
      return invalid(component_, "'" + name + "' has shape " + shapeText(*shape) +
                                     ", expected rank " + std::to_string(rank) + " (read for " +
                                     neededFor + ")");
    return (*shape)[dim];
  }
  bool has(const std::string& name) const { return weights_.contains(name); }
  bool hasPrefix(const std::string& prefix) const {
    auto it = weights_.recipes().lower_bound(prefix);
    return it != weights_.recipes().end() && it->first.compare(0, prefix.size(), prefix) == 0;
  }

  // Indices N of "<head>N." keys; they must be 0..count-1.
  Result<int64_t> countIndexed(const std::string& head) const {
    std::set<int64_t> indices;
    for (const auto& entry : weights_.recipes()) {
      const std::string& key = entry.first;
      if (key.compare(0, head.size(), head) != 0) continue;
      size_t i = head.size();
      int64_t value = 0;
      size_t start = i;
      while (i < key.size() && key[i] >= '0' && key[i] <= '9' && i - start < 6)
        value = value * 10 + (key[i++] - '0');
      if (i == start || i >= key.size() || key[i] != '.') continue;
      indices.insert(value);
    }
    int64_t expected = 0;
    for (int64_t index : indices) {
      if (index != expected)
        return invalid(component_, "'" + head + std::to_string(expected) +
                                       ".*' is missing (indices of '" + head + "N' must run 0.." +
                                       std::to_string(*indices.rbegin()) + ")");
      ++expected;
    }
    return static_cast<int64_t>(indices.size());
  }
  const std::string& component() const { return component_; }

 private:
  const WeightMap& weights_;
  std::string component_;
};

#define FD_TRY_ASSIGN(lhs, expr)                \
  do {                                          \
    auto fd_result_ = (expr);                   \
    if (!fd_result_) return fd_result_.error(); \
    lhs = fd_result_.value();                   \
  } while (0)

Result<json> parseConfig(const std::string& text, const std::string& component) {
  if (text.empty()) return json::object();
  json config = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded() || !config.is_object())
    return invalid(component, "its config.json is not a JSON object");
  return config;
}

// A nested object of the config (CLIPConfig's "text_config"), or null.
const json* section(const json& config, const char* name) {
  auto it = config.find(name);
  return it != config.end() && it->is_object() ? &*it : nullptr;
}

template <typename T>
std::optional<T> read(const json* object, const char* key) {
  if (!object) return std::nullopt;
  auto it = object->find(key);
  if (it == object->end() || it->is_null()) return std::nullopt;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace

Result<FluxParams> detectFluxParams(const WeightMap& weights, const std::string& configJson) {
  const std::string component = "transformer";
  ShapeReader r(weights, component);
  FluxParams p;
  FD_TRY_ASSIGN(p.hidden_size, r.dim("img_in.weight", 2, 0, "hidden_size"));
  FD_TRY_ASSIGN(p.in_channels, r.dim("img_in.weight", 2, 1, "in_channels"));
  FD_TRY_ASSIGN(p.out_channels, r.dim("final_layer.linear.weight", 2, 0, "out_channels"));
  FD_TRY_ASSIGN(p.vec_in_dim, r.dim("vector_in.in_layer.weight", 2, 1, "vec_in_dim"));
  FD_TRY_ASSIGN(p.context_in_dim, r.dim("txt_in.weight", 2, 1, "context_in_dim"));
  FD_TRY_ASSIGN(p.depth, r.countIndexed("double_blocks."));
  FD_TRY_ASSIGN(p.depth_single_blocks, r.countIndexed("single_blocks."));
  if (p.depth == 0 && p.depth_single_blocks == 0)
    return invalid(component, "no 'double_blocks.N.*' or 'single_blocks.N.*' keys");

  // Heads from the QK-norm size (the head dimension).
  int64_t headDim = 0;
  const bool fromDouble = p.depth > 0;
  FD_TRY_ASSIGN(headDim, r.dim(fromDouble ? "double_blocks.0.img_attn.norm.query_norm.scale"
                                          : "single_blocks.0.norm.query_norm.scale",
                               1, 0, "num_heads"));
  if (p.hidden_size % headDim != 0)
    return invalid(component, "hidden size " + std::to_string(p.hidden_size) +
                                  " is not a multiple of the QK-norm size " +
                                  std::to_string(headDim));
  p.num_heads = p.hidden_size / headDim;

  int64_t mlpHidden = 0;
  if (fromDouble) {
    FD_TRY_ASSIGN(mlpHidden, r.dim("double_blocks.0.img_mlp.0.weight", 2, 0, "mlp_ratio"));
  } else {
    int64_t linear1 = 0;  // [3*hidden + mlp_hidden, hidden]
    FD_TRY_ASSIGN(linear1, r.dim("single_blocks.0.linear1.weight", 2, 0, "mlp_ratio"));
    mlpHidden = linear1 - 3 * p.hidden_size;
  }
  p.mlp_ratio = static_cast<double>(mlpHidden) / static_cast<double>(p.hidden_size);
  p.qkv_bias =
      r.has(fromDouble ? "double_blocks.0.img_attn.qkv.bias" : "single_blocks.0.linear1.bias");
  p.guidance_embed = r.hasPrefix("guidance_in.");

  auto config = parseConfig(configJson, component);
  if (!config) return config.error();
  // diffusers' FluxTransformer2DModel config (axes_dims_rope) or BFL's
  // FluxParams field names (axes_dim, theta).
  const json* root = &config.value();
  if (auto diffusersAxes = read<std::vector<int64_t>>(root, "axes_dims_rope"))
    p.axes_dim = *diffusersAxes;
  else if (auto axes = read<std::vector<int64_t>>(root, "axes_dim"))
    p.axes_dim = *axes;
  if (auto theta = read<int64_t>(root, "theta")) p.theta = *theta;

  int64_t axesSum = std::accumulate(p.axes_dim.begin(), p.axes_dim.end(), int64_t{0});
  if (axesSum != headDim)
    return invalid(component,
                   "rope axes " + shapeText(p.axes_dim) + " sum to " + std::to_string(axesSum) +
                       " but the head dimension is " + std::to_string(headDim) +
                       " (give axes_dim / axes_dims_rope in a config.json beside the weights)");
  for (int64_t axis : p.axes_dim)
    if (axis <= 0 || axis % 2 != 0)
      return invalid(component,
                     "rope axes " + shapeText(p.axes_dim) + " must be positive and even");
  return p;
}

Result<AutoEncoderParams> detectAutoencoderParams(const WeightMap& weights,
                                                  const std::string& configJson) {
  const std::string component = "autoencoder";
  ShapeReader r(weights, component);
  AutoEncoderParams p;
  p.has_encoder = r.hasPrefix("encoder.");
  FD_TRY_ASSIGN(p.out_ch, r.dim("decoder.conv_out.weight", 4, 0, "out_ch"));
  FD_TRY_ASSIGN(p.z_channels, r.dim("decoder.conv_in.weight", 4, 1, "z_channels"));
  int64_t levels = 0;
  // The decoder has num_res_blocks + 1 blocks per level, the encoder num_res_blocks.
  if (p.has_encoder) {
    FD_TRY_ASSIGN(p.ch, r.dim("encoder.conv_in.weight", 4, 0, "ch"));
    FD_TRY_ASSIGN(p.in_channels, r.dim("encoder.conv_in.weight", 4, 1, "in_channels"));
    FD_TRY_ASSIGN(levels, r.countIndexed("encoder.down."));
    FD_TRY_ASSIGN(p.num_res_blocks, r.countIndexed("encoder.down.0.block."));
    int64_t moments = 0;
    FD_TRY_ASSIGN(moments, r.dim("encoder.conv_out.weight", 4, 0, "z_channels"));
    if (moments != 2 * p.z_channels)
      return invalid(component, "'encoder.conv_out.weight' gives " + std::to_string(moments) +
                                    " channels, expected 2 * z_channels = " +
                                    std::to_string(2 * p.z_channels));
  } else {
    FD_TRY_ASSIGN(p.ch, r.dim("decoder.conv_out.weight", 4, 1, "ch"));
    FD_TRY_ASSIGN(levels, r.countIndexed("decoder.up."));
    int64_t decoderBlocks = 0;
    FD_TRY_ASSIGN(decoderBlocks, r.countIndexed("decoder.up.0.block."));
    p.num_res_blocks = decoderBlocks - 1;
  }
  if (levels == 0 || p.num_res_blocks < 1)
    return invalid(component, "no resolution levels or res blocks found");
  p.ch_mult.clear();
  for (int64_t level = 0; level < levels; ++level) {
    const std::string name = p.has_encoder
                                 ? "encoder.down." + std::to_string(level) + ".block.0.conv1.weight"
                                 : "decoder.up." + std::to_string(level) + ".block.0.conv1.weight";
    int64_t channels = 0;
    FD_TRY_ASSIGN(channels, r.dim(name, 4, 0, "ch_mult"));
    if (channels % p.ch != 0)
      return invalid(component,
                     "'" + name + "' has " + std::to_string(channels) +
                         " output channels, not a multiple of ch = " + std::to_string(p.ch));
    p.ch_mult.push_back(channels / p.ch);
  }

  auto config = parseConfig(configJson, component);
  if (!config) return config.error();
  // diffusers' AutoencoderKL config (scaling_factor, sample_size) or BFL's
  // AutoEncoderParams field names (scale_factor, resolution).
  const json* root = &config.value();
  if (auto d = read<double>(root, "scaling_factor"))
    p.scale_factor = *d;
  else if (auto v = read<double>(root, "scale_factor"))
    p.scale_factor = *v;
  if (auto d = read<double>(root, "shift_factor")) p.shift_factor = *d;
  if (auto d = read<int64_t>(root, "sample_size"))
    p.resolution = *d;
  else if (auto v = read<int64_t>(root, "resolution"))
    p.resolution = *v;
  return p;
}

Result<ClipTextParams> detectClipTextParams(const WeightMap& weights,
                                            const std::string& configJson) {
  const std::string component = "clip";
  ShapeReader r(weights, component);
  ClipTextParams p;
  FD_TRY_ASSIGN(p.vocab_size,
                r.dim("text_model.embeddings.token_embedding.weight", 2, 0, "vocab_size"));
  FD_TRY_ASSIGN(p.hidden_size,
                r.dim("text_model.embeddings.token_embedding.weight", 2, 1, "hidden_size"));
  FD_TRY_ASSIGN(p.max_position_embeddings, r.dim("text_model.embeddings.position_embedding.weight",
                                                 2, 0, "max_position_embeddings"));
  FD_TRY_ASSIGN(p.num_hidden_layers, r.countIndexed("text_model.encoder.layers."));
  if (p.num_hidden_layers == 0)
    return invalid(component, "no 'text_model.encoder.layers.N.*' keys");
  FD_TRY_ASSIGN(p.intermediate_size,
                r.dim("text_model.encoder.layers.0.mlp.fc1.weight", 2, 0, "intermediate_size"));

  auto config = parseConfig(configJson, component);
  if (!config) return config.error();
  // A full CLIPConfig nests the text model's fields under text_config.
  const json* text = section(*config, "text_config");
  if (!text) text = &config.value();
  // Shapes cannot tell the head count: CLIP's heads are 64 wide (CLIP-L: 12).
  p.num_attention_heads = read<int64_t>(text, "num_attention_heads").value_or(p.hidden_size / 64);
  if (p.num_attention_heads <= 0 || p.hidden_size % p.num_attention_heads != 0)
    return invalid(component,
                   "hidden size " + std::to_string(p.hidden_size) + " is not divisible by " +
                       std::to_string(p.num_attention_heads) +
                       " heads (give num_attention_heads in a config.json beside the weights)");
  if (auto v = read<double>(text, "layer_norm_eps")) p.layer_norm_eps = *v;
  if (auto v = read<std::string>(text, "hidden_act")) p.hidden_act = *v;
  if (auto v = read<int64_t>(text, "eos_token_id")) p.eos_token_id = *v;
  return p;
}

Result<T5Params> detectT5Params(const WeightMap& weights, const std::string& configJson) {
  const std::string component = "t5";
  ShapeReader r(weights, component);
  T5Params p;
  FD_TRY_ASSIGN(p.vocab_size, r.dim("shared.weight", 2, 0, "vocab_size"));
  FD_TRY_ASSIGN(p.d_model, r.dim("shared.weight", 2, 1, "d_model"));
  FD_TRY_ASSIGN(p.num_layers, r.countIndexed("encoder.block."));
  if (p.num_layers == 0) return invalid(component, "no 'encoder.block.N.*' keys");
  // relative_attention_bias is an Embedding(num_buckets, num_heads).
  const std::string bias = "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight";
  FD_TRY_ASSIGN(p.relative_attention_num_buckets,
                r.dim(bias, 2, 0, "relative_attention_num_buckets"));
  FD_TRY_ASSIGN(p.num_heads, r.dim(bias, 2, 1, "num_heads"));
  int64_t inner = 0;  // num_heads * d_kv
  FD_TRY_ASSIGN(inner, r.dim("encoder.block.0.layer.0.SelfAttention.q.weight", 2, 0, "d_kv"));
  if (inner % p.num_heads != 0)
    return invalid(component, "attention width " + std::to_string(inner) +
                                  " is not a multiple of " + std::to_string(p.num_heads) +
                                  " heads");
  p.d_kv = inner / p.num_heads;
  const std::string ff = "encoder.block.0.layer.1.DenseReluDense.";
  p.is_gated_act = r.has(ff + "wi_0.weight");
  FD_TRY_ASSIGN(p.d_ff, r.dim(ff + (p.is_gated_act ? "wi_0.weight" : "wi.weight"), 2, 0, "d_ff"));

  auto config = parseConfig(configJson, component);
  if (!config) return config.error();
  const json* root = &config.value();
  if (auto v = read<double>(root, "layer_norm_epsilon")) p.layer_norm_epsilon = *v;
  if (auto v = read<int64_t>(root, "relative_attention_max_distance"))
    p.relative_attention_max_distance = *v;
  if (auto v = read<std::string>(root, "dense_act_fn"))
    p.dense_act_fn = *v;
  else if (!p.is_gated_act)
    p.dense_act_fn = "relu";  // T5 v1.0 style: wi + relu
  return p;
}

}  // namespace fd
