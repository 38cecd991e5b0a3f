#pragma once
// Architecture parameters of each model, read from the weights' shapes (and,
// for what shapes cannot tell, from a config beside them or FLUX.1 defaults).
// Field names follow the reference code (FluxParams, AutoEncoderParams, HF
// CLIPTextConfig / T5Config) so golden config.json files compare directly.

#include <cstdint>
#include <string>
#include <vector>

namespace fd {

struct FluxParams {
  int64_t in_channels = 64;
  int64_t out_channels = 64;
  int64_t vec_in_dim = 768;
  int64_t context_in_dim = 4096;
  int64_t hidden_size = 3072;
  double mlp_ratio = 4.0;
  int64_t num_heads = 24;
  int64_t depth = 19;
  int64_t depth_single_blocks = 38;
  std::vector<int64_t> axes_dim{16, 56, 56};
  int64_t theta = 10000;
  bool qkv_bias = true;
  bool guidance_embed = false;
};

struct AutoEncoderParams {
  int64_t resolution = 256;
  int64_t in_channels = 3;
  int64_t ch = 128;
  int64_t out_ch = 3;
  std::vector<int64_t> ch_mult{1, 2, 4, 4};
  int64_t num_res_blocks = 2;
  int64_t z_channels = 16;
  double scale_factor = 0.3611;
  double shift_factor = 0.1159;
  bool has_encoder = true;  // some single-file VAEs ship the decoder only
};

struct ClipTextParams {
  int64_t vocab_size = 49408;
  int64_t hidden_size = 768;
  int64_t intermediate_size = 3072;
  int64_t num_attention_heads = 12;
  int64_t num_hidden_layers = 12;
  int64_t max_position_embeddings = 77;
  double layer_norm_eps = 1e-5;
  std::string hidden_act = "quick_gelu";
  int64_t eos_token_id = 2;  // legacy value in FLUX's config: pool at argmax(ids)
};

struct T5Params {
  int64_t vocab_size = 32128;
  int64_t d_model = 4096;
  int64_t d_kv = 64;
  int64_t d_ff = 10240;
  int64_t num_heads = 64;
  int64_t num_layers = 24;
  int64_t relative_attention_num_buckets = 32;
  int64_t relative_attention_max_distance = 128;
  double layer_norm_epsilon = 1e-6;
  bool is_gated_act = true;               // gated-gelu
  std::string dense_act_fn = "gelu_new";  // tanh approximation either way
};

}  // namespace fd
