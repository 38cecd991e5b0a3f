#include "discovery/synthetic_models.h"

#include <stdexcept>

namespace fd::test {

namespace {

void add(StateSpec& s, const std::string& name, std::vector<int64_t> shape) {
  s.push_back({name, std::move(shape), DType::F32});
}

void linear(StateSpec& s, const std::string& name, int64_t out, int64_t in, bool bias = true) {
  add(s, name + ".weight", {out, in});
  if (bias) add(s, name + ".bias", {out});
}

void norm(StateSpec& s, const std::string& name, int64_t channels) {
  add(s, name + ".weight", {channels});
  add(s, name + ".bias", {channels});
}

void conv(StateSpec& s, const std::string& name, int64_t out, int64_t in, int64_t k) {
  add(s, name + ".weight", {out, in, k, k});
  add(s, name + ".bias", {out});
}

void resnet(StateSpec& s, const std::string& name, int64_t in, int64_t out) {
  norm(s, name + ".norm1", in);
  conv(s, name + ".conv1", out, in, 3);
  norm(s, name + ".norm2", out);
  conv(s, name + ".conv2", out, out, 3);
  if (in != out) conv(s, name + ".nin_shortcut", out, in, 1);
}

void midBlock(StateSpec& s, const std::string& half, int64_t c) {
  resnet(s, half + ".mid.block_1", c, c);
  norm(s, half + ".mid.attn_1.norm", c);
  for (const char* x : {"q", "k", "v", "proj_out"}) conv(s, half + ".mid.attn_1." + x, c, c, 1);
  resnet(s, half + ".mid.block_2", c, c);
}

bool startsWith(const std::string& s, const std::string& head) {
  return s.compare(0, head.size(), head) == 0;
}

// Replaces the first `from` in `name` by `to`.
std::string replaced(std::string name, const std::string& from, const std::string& to) {
  auto pos = name.find(from);
  if (pos == std::string::npos) throw std::runtime_error("no '" + from + "' in " + name);
  return name.replace(pos, from.size(), to);
}

}  // namespace

StateSpec fluxSpec(const FluxParams& p) {
  StateSpec s;
  const int64_t h = p.hidden_size, mlp = static_cast<int64_t>(h * p.mlp_ratio),
                head = h / p.num_heads;
  linear(s, "img_in", h, p.in_channels);
  linear(s, "time_in.in_layer", h, 256);
  linear(s, "time_in.out_layer", h, h);
  linear(s, "vector_in.in_layer", h, p.vec_in_dim);
  linear(s, "vector_in.out_layer", h, h);
  if (p.guidance_embed) {
    linear(s, "guidance_in.in_layer", h, 256);
    linear(s, "guidance_in.out_layer", h, h);
  }
  linear(s, "txt_in", h, p.context_in_dim);
  for (int64_t n = 0; n < p.depth; ++n) {
    const std::string b = "double_blocks." + std::to_string(n) + ".";
    for (const char* stream : {"img", "txt"}) {
      const std::string x = b + stream;
      linear(s, x + "_mod.lin", 6 * h, h);
      linear(s, x + "_attn.qkv", 3 * h, h, p.qkv_bias);
      add(s, x + "_attn.norm.query_norm.scale", {head});
      add(s, x + "_attn.norm.key_norm.scale", {head});
      linear(s, x + "_attn.proj", h, h);
      linear(s, x + "_mlp.0", mlp, h);
      linear(s, x + "_mlp.2", h, mlp);
    }
  }
  for (int64_t n = 0; n < p.depth_single_blocks; ++n) {
    const std::string b = "single_blocks." + std::to_string(n) + ".";
    linear(s, b + "linear1", 3 * h + mlp, h, p.qkv_bias);
    linear(s, b + "linear2", h, h + mlp);
    add(s, b + "norm.query_norm.scale", {head});
    add(s, b + "norm.key_norm.scale", {head});
    linear(s, b + "modulation.lin", 3 * h, h);
  }
  linear(s, "final_layer.linear", p.out_channels, h);
  linear(s, "final_layer.adaLN_modulation.1", 2 * h, h);
  return s;
}

StateSpec autoencoderSpec(const AutoEncoderParams& p) {
  StateSpec s;
  const int64_t levels = static_cast<int64_t>(p.ch_mult.size());
  conv(s, "encoder.conv_in", p.ch, p.in_channels, 3);
  int64_t in = p.ch;
  for (int64_t l = 0; l < levels; ++l) {
    const int64_t out = p.ch * p.ch_mult[l];
    for (int64_t j = 0; j < p.num_res_blocks; ++j, in = out)
      resnet(s, "encoder.down." + std::to_string(l) + ".block." + std::to_string(j), in, out);
    if (l != levels - 1)
      conv(s, "encoder.down." + std::to_string(l) + ".downsample.conv", out, out, 3);
  }
  const int64_t c = p.ch * p.ch_mult.back();
  midBlock(s, "encoder", c);
  norm(s, "encoder.norm_out", c);
  conv(s, "encoder.conv_out", 2 * p.z_channels, c, 3);

  conv(s, "decoder.conv_in", c, p.z_channels, 3);
  midBlock(s, "decoder", c);
  in = c;
  for (int64_t l = levels - 1; l >= 0; --l) {
    const int64_t out = p.ch * p.ch_mult[l];
    for (int64_t j = 0; j <= p.num_res_blocks; ++j, in = out)
      resnet(s, "decoder.up." + std::to_string(l) + ".block." + std::to_string(j), in, out);
    if (l != 0) conv(s, "decoder.up." + std::to_string(l) + ".upsample.conv", out, out, 3);
  }
  norm(s, "decoder.norm_out", p.ch);
  conv(s, "decoder.conv_out", p.out_ch, p.ch, 3);
  return s;
}

StateSpec clipSpec(const ClipTextParams& p) {
  StateSpec s;
  const int64_t h = p.hidden_size;
  add(s, "text_model.embeddings.token_embedding.weight", {p.vocab_size, h});
  add(s, "text_model.embeddings.position_embedding.weight", {p.max_position_embeddings, h});
  s.push_back({"text_model.embeddings.position_ids", {1, p.max_position_embeddings}, DType::I64});
  for (int64_t n = 0; n < p.num_hidden_layers; ++n) {
    const std::string l = "text_model.encoder.layers." + std::to_string(n) + ".";
    for (const char* x : {"q_proj", "k_proj", "v_proj", "out_proj"})
      linear(s, l + "self_attn." + x, h, h);
    norm(s, l + "layer_norm1", h);
    linear(s, l + "mlp.fc1", p.intermediate_size, h);
    linear(s, l + "mlp.fc2", h, p.intermediate_size);
    norm(s, l + "layer_norm2", h);
  }
  norm(s, "text_model.final_layer_norm", h);
  return s;
}

StateSpec t5Spec(const T5Params& p) {
  StateSpec s;
  const int64_t d = p.d_model, inner = p.num_heads * p.d_kv;
  add(s, "shared.weight", {p.vocab_size, d});
  add(s, "encoder.embed_tokens.weight", {p.vocab_size, d});
  for (int64_t n = 0; n < p.num_layers; ++n) {
    const std::string b = "encoder.block." + std::to_string(n) + ".layer.";
    for (const char* x : {"q", "k", "v"})
      add(s, b + "0.SelfAttention." + x + ".weight", {inner, d});
    add(s, b + "0.SelfAttention.o.weight", {d, inner});
    if (n == 0)
      add(s, b + "0.SelfAttention.relative_attention_bias.weight",
          {p.relative_attention_num_buckets, p.num_heads});
    add(s, b + "0.layer_norm.weight", {d});
    if (p.is_gated_act) {
      add(s, b + "1.DenseReluDense.wi_0.weight", {p.d_ff, d});
      add(s, b + "1.DenseReluDense.wi_1.weight", {p.d_ff, d});
    } else {
      add(s, b + "1.DenseReluDense.wi.weight", {p.d_ff, d});
    }
    add(s, b + "1.DenseReluDense.wo.weight", {d, p.d_ff});
    add(s, b + "1.layer_norm.weight", {d});
  }
  add(s, "encoder.final_layer_norm.weight", {d});
  return s;
}

StateSpec fluxToDiffusers(const StateSpec& bfl, const FluxParams& p) {
  const int64_t h = p.hidden_size, mlp = static_cast<int64_t>(h * p.mlp_ratio);
  // BFL head -> diffusers head (the README table, read right to left).
  const std::vector<std::pair<std::string, std::string>> top = {
      {"time_in.in_layer.", "time_text_embed.timestep_embedder.linear_1."},
      {"time_in.out_layer.", "time_text_embed.timestep_embedder.linear_2."},
      {"vector_in.in_layer.", "time_text_embed.text_embedder.linear_1."},
      {"vector_in.out_layer.", "time_text_embed.text_embedder.linear_2."},
      {"guidance_in.in_layer.", "time_text_embed.guidance_embedder.linear_1."},
      {"guidance_in.out_layer.", "time_text_embed.guidance_embedder.linear_2."},
      {"txt_in.", "context_embedder."},
      {"img_in.", "x_embedder."},
      {"final_layer.linear.", "proj_out."},
      {"final_layer.adaLN_modulation.1.", "norm_out.linear."}};
  const std::vector<std::pair<std::string, std::string>> dbl = {
      {"img_mod.lin.", "norm1.linear."},
      {"txt_mod.lin.", "norm1_context.linear."},
      {"img_attn.norm.query_norm.scale", "attn.norm_q.weight"},
      {"img_attn.norm.key_norm.scale", "attn.norm_k.weight"},
      {"txt_attn.norm.query_norm.scale", "attn.norm_added_q.weight"},
      {"txt_attn.norm.key_norm.scale", "attn.norm_added_k.weight"},
      {"img_attn.proj.", "attn.to_out.0."},
      {"txt_attn.proj.", "attn.to_add_out."},
      {"img_mlp.0.", "ff.net.0.proj."},
      {"img_mlp.2.", "ff.net.2."},
      {"txt_mlp.0.", "ff_context.net.0.proj."},
      {"txt_mlp.2.", "ff_context.net.2."}};
  const std::vector<std::pair<std::string, std::string>> sgl = {
      {"modulation.lin.", "norm.linear."},
      {"norm.query_norm.scale", "attn.norm_q.weight"},
      {"norm.key_norm.scale", "attn.norm_k.weight"},
      {"linear2.", "proj_out."}};
  StateSpec out;
  auto split = [&](const TensorSpec& t, const std::string& head,
                   const std::vector<std::string>& names, const std::vector<int64_t>& rows) {
    const std::string tail = t.name.substr(t.name.rfind('.') + 1);  // weight / bias
    for (size_t i = 0; i < names.size(); ++i) {
      TensorSpec part = t;
      part.name = head + names[i] + "." + tail;
      part.shape[0] = rows[i];
      out.push_back(part);
    }
  };
  for (const TensorSpec& t : bfl) {
    std::string name = t.name;
    if (startsWith(name, "double_blocks.")) {
      const std::string n = name.substr(14, name.find('.', 14) - 14);
      const std::string head = "double_blocks." + n + ".", dhead = "transformer_blocks." + n + ".";
      const std::string rest = name.substr(head.size());
      if (startsWith(rest, "img_attn.qkv.")) {
        split(t, dhead, {"attn.to_q", "attn.to_k", "attn.to_v"}, {h, h, h});
        continue;
      }
      if (startsWith(rest, "txt_attn.qkv.")) {
        split(t, dhead, {"attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj"}, {h, h, h});
        continue;
      }
      for (const auto& [from, to] : dbl)
        if (startsWith(rest, from)) name = dhead + replaced(rest, from, to);
    } else if (startsWith(name, "single_blocks.")) {
      const std::string n = name.substr(14, name.find('.', 14) - 14);
      const std::string head = "single_blocks." + n + ".",
                        dhead = "single_transformer_blocks." + n + ".";
      const std::string rest = name.substr(head.size());
      if (startsWith(rest, "linear1.")) {
        split(t, dhead, {"attn.to_q", "attn.to_k", "attn.to_v", "proj_mlp"}, {h, h, h, mlp});
        continue;
      }
      for (const auto& [from, to] : sgl)
        if (startsWith(rest, from)) name = dhead + replaced(rest, from, to);
    } else {
      for (const auto& [from, to] : top)
        if (startsWith(name, from)) name = replaced(name, from, to);
    }
    if (name == t.name) throw std::runtime_error("no diffusers name for " + t.name);
    out.push_back({name, t.shape, t.dtype});
  }
  return out;
}

StateSpec autoencoderToDiffusers(const StateSpec& bfl, const AutoEncoderParams& p) {
  const int64_t levels = static_cast<int64_t>(p.ch_mult.size());
  StateSpec out;
  for (const TensorSpec& t : bfl) {
    const std::string half = t.name.substr(0, t.name.find('.') + 1);  // encoder. / decoder.
    std::string rest = t.name.substr(half.size());
    std::vector<int64_t> shape = t.shape;
    auto resnetTail = [](std::string r) {
      return startsWith(r, "nin_shortcut.") ? replaced(r, "nin_shortcut.", "conv_shortcut.") : r;
    };
    if (startsWith(rest, "norm_out.")) {
      rest = replaced(rest, "norm_out.", "conv_norm_out.");
    } else if (startsWith(rest, "down.") || startsWith(rest, "up.")) {
      const bool down = startsWith(rest, "down.");
      const size_t start = down ? 5 : 3, dot = rest.find('.', start);
      int64_t level = std::stoll(rest.substr(start, dot - start));
      std::string sub = rest.substr(dot + 1);
      if (!down) level = levels - 1 - level;
      const std::string head =
          std::string(down ? "down_blocks." : "up_blocks.") + std::to_string(level) + ".";
      if (startsWith(sub, "block.")) {
        const size_t d2 = sub.find('.', 6);
        rest = head + "resnets." + sub.substr(6, d2 - 6) + "." + resnetTail(sub.substr(d2 + 1));
      } else {
        rest = head + (down ? replaced(sub, "downsample.", "downsamplers.0.")
                            : replaced(sub, "upsample.", "upsamplers.0."));
      }
    } else if (startsWith(rest, "mid.block_")) {
      const std::string index = rest.substr(10, 1) == "1" ? "0" : "1";
      rest = "mid_block.resnets." + index + "." + resnetTail(rest.substr(12));
    } else if (startsWith(rest, "mid.attn_1.")) {
      std::string sub = rest.substr(11);
      const std::vector<std::pair<std::string, std::string>> attn = {{"norm.", "group_norm."},
                                                                     {"q.", "to_q."},
                                                                     {"k.", "to_k."},
                                                                     {"v.", "to_v."},
                                                                     {"proj_out.", "to_out.0."}};
      for (const auto& [from, to] : attn)
        if (startsWith(sub, from)) {
          sub = replaced(sub, from, to);
          break;
        }
      rest = "mid_block.attentions.0." + sub;
      if (shape.size() == 4) shape = {shape[0], shape[1]};  // 1x1 conv -> linear
    }
    out.push_back({half + rest, shape, t.dtype});
  }
  return out;
}

StateSpec withPrefix(StateSpec spec, const std::string& prefix) {
  for (auto& t : spec) t.name = prefix + t.name;
  return spec;
}

StateSpec withDtype(StateSpec spec, DType dtype) {
  for (auto& t : spec)
    if (isFloatingPoint(t.dtype)) t.dtype = dtype;
  return spec;
}

StateSpec concat(std::vector<StateSpec> parts) {
  StateSpec all;
  for (auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}

StateSpec t5ToLlamaCpp(const StateSpec& hf) {
  const std::vector<std::pair<std::string, std::string>> block = {
      {"layer.0.SelfAttention.q.", "attn_q."},
      {"layer.0.SelfAttention.k.", "attn_k."},
      {"layer.0.SelfAttention.v.", "attn_v."},
      {"layer.0.SelfAttention.o.", "attn_o."},
      {"layer.0.SelfAttention.relative_attention_bias.", "attn_rel_b."},
      {"layer.0.layer_norm.", "attn_norm."},
      {"layer.1.DenseReluDense.wi_0.", "ffn_gate."},
      {"layer.1.DenseReluDense.wi_1.", "ffn_up."},
      {"layer.1.DenseReluDense.wi.", "ffn_up."},
      {"layer.1.DenseReluDense.wo.", "ffn_down."},
      {"layer.1.layer_norm.", "ffn_norm."},
  };
  StateSpec out;
  for (TensorSpec t : hf) {
    if (t.name == "encoder.embed_tokens.weight") continue;
    if (t.name == "shared.weight")
      t.name = "token_embd.weight";
    else if (t.name == "encoder.final_layer_norm.weight")
      t.name = "enc.output_norm.weight";
    else if (startsWith(t.name, "encoder.block.")) {
      const size_t dot = t.name.find('.', std::string("encoder.block.").size());
      const size_t head = std::string("encoder.block.").size();
      const std::string index = t.name.substr(head, dot - head), rest = t.name.substr(dot + 1);
      bool renamed = false;
      for (const auto& [from, to] : block)
        if (startsWith(rest, from)) {
          t.name = "enc.blk." + index + "." + to + rest.substr(from.size());
          renamed = true;
          break;
        }
      if (!renamed) throw std::runtime_error("no llama.cpp name for " + t.name);
    } else {
      throw std::runtime_error("no llama.cpp name for " + t.name);
    }
    out.push_back(std::move(t));
  }
  return out;
}

StateSpec withGgufTypes(StateSpec spec, DType quantized) {
  for (auto& t : spec) {
    if (t.shape.size() < 2)
      t.dtype = DType::F32;
    else
      t.dtype = t.shape.back() % blockValues(quantized) == 0 ? quantized : DType::F16;
  }
  return spec;
}

FluxParams tinyFluxParams(bool guidance) {
  FluxParams p;
  p.in_channels = 64;
  p.out_channels = 64;
  p.vec_in_dim = 24;
  p.context_in_dim = 40;
  p.hidden_size = 128;
  p.mlp_ratio = 1.5;
  p.num_heads = 1;  // head dim 128 = 16 + 56 + 56, FLUX.1's rope axes
  p.depth = 2;
  p.depth_single_blocks = 3;
  p.qkv_bias = true;
  p.guidance_embed = guidance;
  return p;
}

AutoEncoderParams tinyAutoencoderParams() {
  AutoEncoderParams p;
  p.ch = 8;
  p.ch_mult = {1, 2, 2};
  p.num_res_blocks = 2;
  p.z_channels = 4;
  return p;
}

ClipTextParams tinyClipParams() {
  ClipTextParams p;
  p.vocab_size = 100;
  p.hidden_size = 64;
  p.intermediate_size = 96;
  p.num_attention_heads = 1;  // hidden / 64: what detection assumes without a config
  p.num_hidden_layers = 3;
  p.max_position_embeddings = 77;
  return p;
}

T5Params tinyT5Params() {
  T5Params p;
  p.vocab_size = 120;
  p.d_model = 32;
  p.d_kv = 8;
  p.d_ff = 48;
  p.num_heads = 2;
  p.num_layers = 2;
  p.relative_attention_num_buckets = 32;
  return p;
}

}  // namespace fd::test
