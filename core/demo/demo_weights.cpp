#include "demo/demo_weights.h"

#include <cmath>
#include <string>

namespace fd {

namespace {

// How a tensor is initialised (like the golden cases' redraw: weights with
// variance 1/fan_in, small biases, norm scales near 1).
enum class Init { Weight, Bias, NormScale, Embedding };

// Attention mixes every image token with the others, so its output varies
// slowly across the picture; weighting it up (and the velocity the model
// predicts) makes the demo draw larger shapes instead of per-token noise.
constexpr double kAttentionOutScale = 3.0;
constexpr double kVelocityScale = 3.0;

class TensorList {
 public:
  // `tinyDtype`: the stored dtype in the tiny style (real widths store bf16).
  TensorList(DemoWeightStyle style, DType tinyDtype)
      : tiny_(style == DemoWeightStyle::Tiny), dtype_(tiny_ ? tinyDtype : DType::BF16) {}

  void add(const std::string& name, std::vector<int64_t> shape, Init init, double scale = 1.0) {
    int64_t numel = 1;
    for (int64_t d : shape) numel *= d;
    double stddev = 0.05;
    double mean = 0.0;
    switch (init) {
      case Init::Weight: {
        const int64_t fanIn = numel / shape[0];  // exact: numel is a multiple of shape[0]
        stddev = 1.0 / std::sqrt(double(fanIn));
        break;
      }
      case Init::Bias: stddev = tiny_ ? 0.05 : 0.0; break;
      case Init::NormScale:
        stddev = tiny_ ? 0.1 : 0.0;
        mean = 1.0;
        break;
      case Init::Embedding: stddev = 1.0; break;
    }
    RandomTensorSpec t;
    t.name = name;
    t.dtype = dtype_;
    t.shape = std::move(shape);
    t.mean = mean;
    // Uniform(-a, a) has standard deviation a/sqrt(3).
    t.halfWidth = std::sqrt(3.0) * stddev * scale;
    tensors_.push_back(std::move(t));
  }

  // A linear layer: weight [out, in] and bias [out].
  void linear(const std::string& prefix, int64_t out, int64_t in, bool bias = true,
              double scale = 1.0) {
    add(prefix + ".weight", {out, in}, Init::Weight, scale);
    if (bias) add(prefix + ".bias", {out}, Init::Bias);
  }
  void conv(const std::string& prefix, int64_t out, int64_t in, int64_t k, double scale = 1.0) {
    add(prefix + ".weight", {out, in, k, k}, Init::Weight, scale);
    // The tiny demo's decoder low-passes (see RandomTensorSpec::blur3x3).
    tensors_.back().blur3x3 = tiny_ && k == 3 && prefix.rfind("decoder.", 0) == 0;
    add(prefix + ".bias", {out}, Init::Bias, scale);
  }
  void norm(const std::string& prefix, int64_t channels, bool bias = true) {
    add(prefix + ".weight", {channels}, Init::NormScale);
    if (bias) add(prefix + ".bias", {channels}, Init::Bias);
  }

  // The demo's up-weighting, only in the tiny style.
  double tinyOnly(double scale) const { return tiny_ ? scale : 1.0; }

  std::vector<RandomTensorSpec> take() { return std::move(tensors_); }

 private:
  bool tiny_;
  DType dtype_;
  std::vector<RandomTensorSpec> tensors_;
};

void vaeResnet(TensorList& t, const std::string& p, int64_t in, int64_t out) {
  t.norm(p + ".norm1", in);
  t.conv(p + ".conv1", out, in, 3);
  t.norm(p + ".norm2", out);
  t.conv(p + ".conv2", out, out, 3);
  if (in != out) t.conv(p + ".conv_shortcut", out, in, 1);
}

void vaeMidBlock(TensorList& t, const std::string& p, int64_t c) {
  vaeResnet(t, p + ".resnets.0", c, c);
  t.norm(p + ".attentions.0.group_norm", c);
  for (const char* proj : {"to_q", "to_k", "to_v", "to_out.0"})
    t.linear(p + ".attentions.0." + proj, c, c);
  vaeResnet(t, p + ".resnets.1", c, c);
}

}  // namespace

DemoArchitecture demoArchitecture(int64_t clipVocabSize, int64_t t5VocabSize) {
  DemoArchitecture a;
  a.clip.vocab_size = clipVocabSize;
  a.clip.hidden_size = 64;
  a.clip.intermediate_size = 128;
  a.clip.num_attention_heads = 4;
  a.clip.num_hidden_layers = 2;
  a.clip.max_position_embeddings = 77;

  a.t5.vocab_size = t5VocabSize;
  a.t5.d_model = 64;
  a.t5.d_kv = 16;
  a.t5.d_ff = 128;
  a.t5.num_heads = 4;
  a.t5.num_layers = 2;

  a.flux.vec_in_dim = a.clip.hidden_size;
  a.flux.context_in_dim = a.t5.d_model;
  // Two heads of 16 (= sum of axes_dim): attention over all image tokens is
  // what a step costs at 1024x1024, and it scales with the head count.
  a.flux.hidden_size = 32;
  a.flux.num_heads = 2;
  a.flux.depth = 2;
  a.flux.depth_single_blocks = 2;
  a.flux.axes_dim = {4, 6, 6};

  a.autoencoder.resolution = 256;
  a.autoencoder.ch = 32;
  a.autoencoder.ch_mult = {1, 1, 2, 2};
  a.autoencoder.num_res_blocks = 1;
  return a;
}

DemoArchitecture realWidthArchitecture(int64_t clipVocabSize, int64_t t5VocabSize,
                                       const RealWidthDepths& depths) {
  // The defaults of the parameter structs are FLUX.1-schnell's own sizes.
  DemoArchitecture a;
  a.flux.depth = depths.doubleBlocks;
  a.flux.depth_single_blocks = depths.singleBlocks;
  a.clip.vocab_size = clipVocabSize;
  a.t5.vocab_size = t5VocabSize;
  a.t5.num_layers = depths.t5Layers;
  return a;
}

std::vector<RandomTensorSpec> demoTransformerTensors(const FluxParams& p, DemoWeightStyle style) {
  TensorList t(style, DType::BF16);
  const double outScale = t.tinyOnly(kAttentionOutScale);
  const int64_t h = p.hidden_size;
  const int64_t mlp = static_cast<int64_t>(double(h) * p.mlp_ratio);
  const int64_t headDim = h / p.num_heads;
  t.linear("x_embedder", h, p.in_channels);
  t.linear("context_embedder", h, p.context_in_dim);
  t.linear("time_text_embed.timestep_embedder.linear_1", h, 256);
  t.linear("time_text_embed.timestep_embedder.linear_2", h, h);
  t.linear("time_text_embed.text_embedder.linear_1", h, p.vec_in_dim);
  t.linear("time_text_embed.text_embedder.linear_2", h, h);
  if (p.guidance_embed) {
    t.linear("time_text_embed.guidance_embedder.linear_1", h, 256);
    t.linear("time_text_embed.guidance_embedder.linear_2", h, h);
  }
  for (int64_t n = 0; n < p.depth; ++n) {
    const std::string b = "transformer_blocks." + std::to_string(n);
    t.linear(b + ".norm1.linear", 6 * h, h);
    t.linear(b + ".norm1_context.linear", 6 * h, h);
    for (const char* proj : {"to_q", "to_k", "to_v", "add_q_proj", "add_k_proj", "add_v_proj"})
      t.linear(b + ".attn." + proj, h, h, p.qkv_bias);
    for (const char* norm : {"norm_q", "norm_k", "norm_added_q", "norm_added_k"})
      t.norm(b + ".attn." + norm, headDim, /*bias=*/false);
    t.linear(b + ".attn.to_out.0", h, h, true, outScale);
    t.linear(b + ".attn.to_add_out", h, h, true, outScale);
    for (const char* ff : {".ff", ".ff_context"}) {
      t.linear(b + ff + ".net.0.proj", mlp, h);
      t.linear(b + ff + ".net.2", h, mlp);
    }
  }
  for (int64_t n = 0; n < p.depth_single_blocks; ++n) {
    const std::string b = "single_transformer_blocks." + std::to_string(n);
    t.linear(b + ".norm.linear", 3 * h, h);
    for (const char* proj : {"to_q", "to_k", "to_v"})
      t.linear(b + ".attn." + proj, h, h, p.qkv_bias);
    t.norm(b + ".attn.norm_q", headDim, false);
    t.norm(b + ".attn.norm_k", headDim, false);
    t.linear(b + ".proj_mlp", mlp, h);
    t.linear(b + ".proj_out", h, h + mlp, true, outScale);
  }
  t.linear("norm_out.linear", 2 * h, h);
  t.linear("proj_out", p.out_channels, h, true, t.tinyOnly(kVelocityScale));
  return t.take();
}

std::vector<RandomTensorSpec> demoTransformerTensorsOfficial(const FluxParams& p,
                                                             DemoWeightStyle style) {
  TensorList t(style, DType::BF16);
  const double outScale = t.tinyOnly(kAttentionOutScale);
  const int64_t h = p.hidden_size;
  const int64_t mlp = static_cast<int64_t>(double(h) * p.mlp_ratio);
  const int64_t headDim = h / p.num_heads;
  // QK norms are RMSNorm with a `.scale` parameter in BFL's code.
  auto qkNorm = [&](const std::string& prefix) {
    t.add(prefix + ".query_norm.scale", {headDim}, Init::NormScale);
    t.add(prefix + ".key_norm.scale", {headDim}, Init::NormScale);
  };
  t.linear("img_in", h, p.in_channels);
  t.linear("txt_in", h, p.context_in_dim);
  t.linear("time_in.in_layer", h, 256);
  t.linear("time_in.out_layer", h, h);
  t.linear("vector_in.in_layer", h, p.vec_in_dim);
  t.linear("vector_in.out_layer", h, h);
  if (p.guidance_embed) {
    t.linear("guidance_in.in_layer", h, 256);
    t.linear("guidance_in.out_layer", h, h);
  }
  for (int64_t n = 0; n < p.depth; ++n) {
    const std::string b = "double_blocks." + std::to_string(n);
    for (const char* stream : {".img", ".txt"}) {
      t.linear(b + stream + "_mod.lin", 6 * h, h);
      t.linear(b + stream + "_attn.qkv", 3 * h, h, p.qkv_bias);
      qkNorm(b + stream + "_attn.norm");
      t.linear(b + stream + "_attn.proj", h, h, true, outScale);
      t.linear(b + stream + "_mlp.0", mlp, h);
      t.linear(b + stream + "_mlp.2", h, mlp);
    }
  }
  for (int64_t n = 0; n < p.depth_single_blocks; ++n) {
    const std::string b = "single_blocks." + std::to_string(n);
    t.linear(b + ".linear1", 3 * h + mlp, h);
    t.linear(b + ".linear2", h, h + mlp, true, outScale);
    qkNorm(b + ".norm");
    t.linear(b + ".modulation.lin", 3 * h, h);
  }
  t.linear("final_layer.adaLN_modulation.1", 2 * h, h);
  t.linear("final_layer.linear", p.out_channels, h, true, t.tinyOnly(kVelocityScale));
  return t.take();
}

std::vector<RandomTensorSpec> demoAutoencoderTensors(const AutoEncoderParams& p,
                                                     DemoWeightStyle style) {
  TensorList t(style, DType::F32);
  const auto levels = static_cast<int64_t>(p.ch_mult.size());
  const int64_t top = p.ch * p.ch_mult.back();
  // Encoder (diffusers: down_blocks.L with num_res_blocks resnets).
  t.conv("encoder.conv_in", p.ch, p.in_channels, 3);
  int64_t in = p.ch;
  for (int64_t l = 0; l < levels; ++l) {
    const std::string b = "encoder.down_blocks." + std::to_string(l);
    const int64_t out = p.ch * p.ch_mult[size_t(l)];
    for (int64_t j = 0; j < p.num_res_blocks; ++j) {
      vaeResnet(t, b + ".resnets." + std::to_string(j), in, out);
      in = out;
    }
    if (l != levels - 1) t.conv(b + ".downsamplers.0.conv", out, out, 3);
  }
  vaeMidBlock(t, "encoder.mid_block", top);
  t.norm("encoder.conv_norm_out", top);
  t.conv("encoder.conv_out", 2 * p.z_channels, top, 3);
  // Decoder (diffusers: up_blocks.(levels-1-L), num_res_blocks+1 resnets).
  t.conv("decoder.conv_in", top, p.z_channels, 3);
  vaeMidBlock(t, "decoder.mid_block", top);
  in = top;
  for (int64_t u = 0; u < levels; ++u) {
    const int64_t level = levels - 1 - u;
    const std::string b = "decoder.up_blocks." + std::to_string(u);
    const int64_t out = p.ch * p.ch_mult[size_t(level)];
    for (int64_t j = 0; j <= p.num_res_blocks; ++j) {
      vaeResnet(t, b + ".resnets." + std::to_string(j), in, out);
      in = out;
    }
    if (level != 0) t.conv(b + ".upsamplers.0.conv", out, out, 3);
  }
  t.norm("decoder.conv_norm_out", p.ch * p.ch_mult[0]);
  // Softer colours in the tiny demo (fewer values clipped at +-1).
  t.conv("decoder.conv_out", p.out_ch, p.ch * p.ch_mult[0], 3, t.tinyOnly(0.55));
  return t.take();
}

std::vector<RandomTensorSpec> demoClipTensors(const ClipTextParams& p, DemoWeightStyle style) {
  TensorList t(style, DType::F16);
  const int64_t h = p.hidden_size;
  t.add("text_model.embeddings.token_embedding.weight", {p.vocab_size, h}, Init::Embedding);
  t.add("text_model.embeddings.position_embedding.weight", {p.max_position_embeddings, h},
        Init::Embedding, 0.5);
  for (int64_t n = 0; n < p.num_hidden_layers; ++n) {
    const std::string l = "text_model.encoder.layers." + std::to_string(n);
    for (const char* proj : {"k_proj", "v_proj", "q_proj", "out_proj"})
      t.linear(l + ".self_attn." + proj, h, h);
    t.norm(l + ".layer_norm1", h);
    t.linear(l + ".mlp.fc1", p.intermediate_size, h);
    t.linear(l + ".mlp.fc2", h, p.intermediate_size);
    t.norm(l + ".layer_norm2", h);
  }
  t.norm("text_model.final_layer_norm", h);
  return t.take();
}

std::vector<RandomTensorSpec> demoT5Tensors(const T5Params& p, DemoWeightStyle style) {
  TensorList t(style, DType::BF16);
  const int64_t inner = p.num_heads * p.d_kv;
  // T5 does not divide attention logits by sqrt(d_kv); its own init puts
  // that factor into q instead (the tiny demo keeps its original draw).
  const double qScale = style == DemoWeightStyle::Tiny ? 1.0 : 1.0 / std::sqrt(double(p.d_kv));
  t.add("shared.weight", {p.vocab_size, p.d_model}, Init::Embedding);
  for (int64_t n = 0; n < p.num_layers; ++n) {
    const std::string b = "encoder.block." + std::to_string(n);
    t.linear(b + ".layer.0.SelfAttention.q", inner, p.d_model, false, qScale);
    for (const char* proj : {"k", "v"})
      t.linear(b + ".layer.0.SelfAttention." + proj, inner, p.d_model, false);
    t.linear(b + ".layer.0.SelfAttention.o", p.d_model, inner, false);
    if (n == 0)
      t.add(b + ".layer.0.SelfAttention.relative_attention_bias.weight",
            {p.relative_attention_num_buckets, p.num_heads}, Init::Embedding, 0.5);
    t.norm(b + ".layer.0.layer_norm", p.d_model, false);
    t.linear(b + ".layer.1.DenseReluDense.wi_0", p.d_ff, p.d_model, false);
    t.linear(b + ".layer.1.DenseReluDense.wi_1", p.d_ff, p.d_model, false);
    t.linear(b + ".layer.1.DenseReluDense.wo", p.d_model, p.d_ff, false);
    t.norm(b + ".layer.1.layer_norm", p.d_model, false);
  }
  t.norm("encoder.final_layer_norm", p.d_model, false);
  return t.take();
}

}  // namespace fd
