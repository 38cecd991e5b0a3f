#include "discovery/layout_builders.h"

#include "support/test_paths.h"

namespace fd::test {

namespace fs = std::filesystem;

void writeFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  writeTextFile(path, text);
}

void writeClipTokenizer(const fs::path& dir) {
  writeFile(dir / "vocab.json", "{\"a</w>\": 0}");
  writeFile(dir / "merges.txt", "#version: 0.2\n");
}

void writeT5Tokenizer(const fs::path& dir) { writeFile(dir / "spiece.model", "placeholder"); }

Expected writeSnapshot(const fs::path& root) {
  Expected e;
  e.flux.num_heads = 4;  // head dim 32: detection needs transformer/config.json's axes
  e.flux.axes_dim = {8, 12, 12};
  e.ae.scale_factor = 0.5;
  e.ae.shift_factor = 0.125;
  e.ae.resolution = 1024;
  e.clip.num_attention_heads = 4;
  e.t5.layer_norm_epsilon = 1e-5;
  e.t5.dense_act_fn = "gelu_pytorch_tanh";
  e.fluxNaming = e.aeNaming = WeightNaming::Diffusers;

  writeJson(root / "model_index.json", {{"_class_name", "FluxPipeline"}});
  writeShardedSpec(root / "transformer", "diffusion_pytorch_model.safetensors.index.json",
                   "diffusion_pytorch_model", fluxToDiffusers(fluxSpec(e.flux), e.flux), 3);
  writeJson(root / "transformer" / "config.json", {{"_class_name", "FluxTransformer2DModel"},
                                                   {"axes_dims_rope", {8, 12, 12}},
                                                   {"num_attention_heads", 4}});
  writeSpec(root / "vae" / "diffusion_pytorch_model.safetensors",
            autoencoderToDiffusers(autoencoderSpec(e.ae), e.ae));
  writeJson(root / "vae" / "config.json", {{"_class_name", "AutoencoderKL"},
                                           {"scaling_factor", 0.5},
                                           {"shift_factor", 0.125},
                                           {"sample_size", 1024}});
  writeSpec(root / "text_encoder" / "model.safetensors", clipSpec(e.clip));
  writeJson(root / "text_encoder" / "config.json", {{"model_type", "clip_text_model"},
                                                    {"num_attention_heads", 4},
                                                    {"hidden_act", "quick_gelu"}});
  writeShardedSpec(root / "text_encoder_2", "model.safetensors.index.json", "model", t5Spec(e.t5),
                   2);
  writeJson(
      root / "text_encoder_2" / "config.json",
      {{"model_type", "t5"}, {"layer_norm_epsilon", 1e-5}, {"dense_act_fn", "gelu_pytorch_tanh"}});
  writeClipTokenizer(root / "tokenizer");
  writeT5Tokenizer(root / "tokenizer_2");
  writeFile(root / "tokenizer_2" / "tokenizer_config.json", "{}");
  return e;
}

}  // namespace fd::test
