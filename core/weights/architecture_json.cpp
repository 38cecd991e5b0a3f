// One serializer for the architecture structs (architecture_json.h).

#include "weights/architecture_json.h"

namespace fd {

nlohmann::ordered_json architectureJson(const FluxParams& p) {
  return {{"in_channels", p.in_channels},
          {"out_channels", p.out_channels},
          {"vec_in_dim", p.vec_in_dim},
          {"context_in_dim", p.context_in_dim},
          {"hidden_size", p.hidden_size},
          {"mlp_ratio", p.mlp_ratio},
          {"num_heads", p.num_heads},
          {"depth", p.depth},
          {"depth_single_blocks", p.depth_single_blocks},
          {"axes_dim", p.axes_dim},
          {"theta", p.theta},
          {"qkv_bias", p.qkv_bias},
          {"guidance_embed", p.guidance_embed}};
}

nlohmann::ordered_json architectureJson(const AutoEncoderParams& p) {
  return {{"resolution", p.resolution},
          {"in_channels", p.in_channels},
          {"ch", p.ch},
          {"out_ch", p.out_ch},
          {"ch_mult", p.ch_mult},
          {"num_res_blocks", p.num_res_blocks},
          {"z_channels", p.z_channels},
          {"scale_factor", p.scale_factor},
          {"shift_factor", p.shift_factor},
          {"has_encoder", p.has_encoder}};
}

nlohmann::ordered_json architectureJson(const ClipTextParams& p) {
  return {{"vocab_size", p.vocab_size},
          {"hidden_size", p.hidden_size},
          {"intermediate_size", p.intermediate_size},
          {"num_attention_heads", p.num_attention_heads},
          {"num_hidden_layers", p.num_hidden_layers},
          {"max_position_embeddings", p.max_position_embeddings},
          {"layer_norm_eps", p.layer_norm_eps},
          {"hidden_act", p.hidden_act},
          {"eos_token_id", p.eos_token_id}};
}

nlohmann::ordered_json architectureJson(const T5Params& p) {
  return {{"vocab_size", p.vocab_size},
          {"d_model", p.d_model},
          {"d_kv", p.d_kv},
          {"d_ff", p.d_ff},
          {"num_heads", p.num_heads},
          {"num_layers", p.num_layers},
          {"relative_attention_num_buckets", p.relative_attention_num_buckets},
          {"relative_attention_max_distance", p.relative_attention_max_distance},
          {"layer_norm_epsilon", p.layer_norm_epsilon},
          {"is_gated_act", p.is_gated_act},
          {"dense_act_fn", p.dense_act_fn}};
}

}  // namespace fd
