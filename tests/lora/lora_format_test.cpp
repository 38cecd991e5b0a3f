// The LoRA formats: the same weight delta written in kohya, diffusers/PEFT
// (q/k/v and proj_mlp split off the fused layers), BFL/ComfyUI and XLabs
// naming lands on the same layers and rows, and adds what merging the delta
// into the weights adds.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>

#include "lora/lora_apply.h"
#include "lora/lora_keys.h"
#include "lora_test_util.h"
#include "support/test_paths.h"

namespace fd::test {
namespace {

// Merged-weights reference against adapters, both in float32.
constexpr double kAtol = 2e-5, kRtol = 1e-4;

struct FormatCase {
  LoraNaming naming;
  const char* file;
  const char* format;  // as the report names it
};

torch::Tensor outputWith(FluxModel& model, const std::string& path, double scale,
                         const char* format, size_t expectedAdapters) {
  clearLoras(*model);
  auto report = applyLoras(*model, {{path, scale}});
  EXPECT_TRUE(report.ok()) << report.error().message;
  if (!report.ok()) return {};
  EXPECT_EQ(report->files.at(0).format, format);
  EXPECT_EQ(report->files.at(0).unmatchedKeys, 0u);
  EXPECT_EQ(report->files.at(0).adapters, expectedAdapters);
  EXPECT_EQ(loraAdapterCount(*model), expectedAdapters);
  auto out = runModel(model, tinyInputs());
  clearLoras(*model);
  return out;
}

TEST(LoraFormats, EveryNamingGivesTheMergedModelsOutput) {
  auto model = tinyFluxModel(true);
  const auto modules = allDenseModules(model);
  ASSERT_EQ(modules.size(),
            26u);  // every Dense layer of the tiny model, embedders and final layer included
  const LoraDelta delta = randomDelta(model, modules, /*rank=*/4, /*alpha=*/2.0f, /*seed=*/21);
  const double scale = 0.8;
  const auto base = runModel(model, tinyInputs());
  auto merged = mergedModel(model, {{&delta, scale}});
  const auto expected = runModel(merged, tinyInputs());
  ASSERT_GT(maxAbsDiff(expected, base), 1e-2) << "the delta should change the output";

  // The diffusers file splits img/txt qkv (3 parts each) and linear1 (4 parts
  // in each of 2 single blocks): 2 * 2 + 2 * 3 more adapters.
  const size_t layers = modules.size(), splitLayers = layers + 2 * 2 + 2 * 3;
  const FormatCase cases[] = {{LoraNaming::Kohya, "kohya.safetensors", "kohya"},
                              {LoraNaming::Diffusers, "diffusers.safetensors", "diffusers"},
                              {LoraNaming::BflLoraAB, "bfl_ab.safetensors", "bfl"},
                              {LoraNaming::BflLoraDownUp, "bfl_down_up.safetensors", "bfl"}};
  TempDir dir("lora-formats");
  std::vector<torch::Tensor> outputs;
  for (const auto& c : cases) {
    const std::string path = (dir / c.file).string();
    writeLora(path, delta, c.naming, model);
    const auto out = outputWith(model, path, scale, c.format,
                                c.naming == LoraNaming::Diffusers ? splitLayers : layers);
    ASSERT_TRUE(out.defined()) << c.file;
    const double diff = maxAbsDiff(out, expected);
    std::cout << c.format << " (" << c.file << "): max |adapters - merged| = " << diff << "\n";
    EXPECT_TRUE(torch::allclose(out, expected, kRtol, kAtol)) << c.file << ": " << diff;
    outputs.push_back(out);
  }
  for (size_t i = 1; i < outputs.size(); ++i) {
    const double diff = maxAbsDiff(outputs[i], outputs[0]);
    std::cout << cases[i].file << " vs kohya: max |diff| = " << diff << "\n";
    EXPECT_LT(diff, 1e-5) << cases[i].file;
  }
  // Same pairs, same order: kohya and BFL add the same products.
  EXPECT_TRUE(torch::equal(outputs[0], outputs[2]));
  // Cleared, the model is its base self.
  EXPECT_TRUE(torch::equal(runModel(model, tinyInputs()), base));
}

TEST(LoraFormats, XLabsAdaptsTheDoubleBlocksAttention) {
  auto model = tinyFluxModel(true);
  const std::vector<std::string> modules = {
      "double_blocks.0.img_attn.qkv", "double_blocks.0.txt_attn.qkv",
      "double_blocks.0.img_attn.proj", "double_blocks.0.txt_attn.proj"};
  const LoraDelta delta = randomDelta(model, modules, /*rank=*/8, /*alpha=*/8.0f, /*seed=*/5);
  auto merged = mergedModel(model, {{&delta, 1.0}});
  const auto expected = runModel(merged, tinyInputs());
  TempDir dir("lora-xlabs");
  writeLora((dir / "xlabs.safetensors").string(), delta, LoraNaming::XLabs, model);
  writeLora((dir / "bfl.safetensors").string(), delta, LoraNaming::BflLoraAB, model);
  const auto xlabs = outputWith(model, (dir / "xlabs.safetensors").string(), 1.0, "xlabs", 4);
  const auto bfl = outputWith(model, (dir / "bfl.safetensors").string(), 1.0, "bfl", 4);
  ASSERT_TRUE(xlabs.defined() && bfl.defined());
  std::cout << "xlabs: max |adapters - merged| = " << maxAbsDiff(xlabs, expected)
            << ", vs bfl = " << maxAbsDiff(xlabs, bfl) << "\n";
  EXPECT_TRUE(torch::allclose(xlabs, expected, kRtol, kAtol)) << maxAbsDiff(xlabs, expected);
  EXPECT_LT(maxAbsDiff(xlabs, bfl), 1e-5);
}

// --- names ------------------------------------------------------------------

TEST(LoraKeys, RolesAndModulesFromTheKey) {
  auto key = parseLoraKey("lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->module, "lora_unet_double_blocks_0_img_attn_qkv");
  EXPECT_EQ(key->role, LoraRole::Down);
  EXPECT_EQ(parseLoraKey("transformer.proj_out.lora_B.weight")->role, LoraRole::Up);
  EXPECT_EQ(parseLoraKey("x.alpha")->role, LoraRole::Alpha);
  EXPECT_EQ(parseLoraKey("double_blocks.0.processor.qkv_lora2.up.weight")->module,
            "double_blocks.0.processor.qkv_lora2");
  EXPECT_EQ(parseLoraKey("transformer.x_embedder.lora.down.weight")->module,
            "transformer.x_embedder");
  EXPECT_FALSE(parseLoraKey("lora_unet_double_blocks_0_img_attn_qkv.lokr_w1"));
  EXPECT_FALSE(parseLoraKey("transformer.x_embedder.lora_magnitude_vector"));
}

TEST(LoraKeys, UnderscoredNamesResolveByTheModelsLayers) {
  auto model = tinyFluxModel(true);
  const LoraModuleResolver resolver(denseLayerShapes(*model));
  auto expectAt = [&](const char* name, const char* module, int64_t offset, int64_t rows,
                      bool swap = false) {
    auto p = resolver.resolve(name);
    ASSERT_TRUE(p) << name;
    EXPECT_EQ(p->module, module) << name;
    EXPECT_EQ(p->rowOffset, offset) << name;
    EXPECT_EQ(p->rows, rows) << name;
    EXPECT_EQ(p->swapHalves, swap) << name;
  };
  // hidden 32, mlp 128: qkv 96 rows, linear1 224, adaLN 64.
  expectAt("lora_unet_double_blocks_0_img_attn_qkv", "double_blocks.0.img_attn.qkv", 0, 96);
  expectAt("lora_unet_single_blocks_1_linear1", "single_blocks.1.linear1", 0, 224);
  expectAt("lora_unet_final_layer_linear", "final_layer.linear", 0, 64);
  expectAt("lora_unet_final_layer_adaLN_modulation_1", "final_layer.adaLN_modulation.1", 0, 64);
  expectAt("lora_unet_img_in", "img_in", 0, 32);
  expectAt("lora_unet_time_in_in_layer", "time_in.in_layer", 0, 32);
  expectAt("lora_unet_double_blocks_0_txt_mlp_2", "double_blocks.0.txt_mlp.2", 0, 32);
  // kohya naming over diffusers' names.
  expectAt("lora_transformer_single_transformer_blocks_0_attn_to_k", "single_blocks.0.linear1", 32,
           32);
  expectAt("lora_transformer_transformer_blocks_0_attn_add_v_proj", "double_blocks.0.txt_attn.qkv",
           64, 32);
  // PEFT / diffusers, with or without prefixes.
  expectAt("base_model.model.single_transformer_blocks.1.proj_mlp", "single_blocks.1.linear1", 96,
           128);
  expectAt("transformer.single_transformer_blocks.1.proj_out", "single_blocks.1.linear2", 0, 32);
  expectAt("transformer_blocks.0.attn.to_v", "double_blocks.0.img_attn.qkv", 64, 32);
  expectAt("transformer.proj_out", "final_layer.linear", 0, 64);
  expectAt("transformer.norm_out.linear", "final_layer.adaLN_modulation.1", 0, 64, true);
  expectAt("transformer.time_text_embed.guidance_embedder.linear_2", "guidance_in.out_layer", 0,
           32);
  // BFL / ComfyUI, XLabs.
  expectAt("diffusion_model.double_blocks.0.img_mod.lin", "double_blocks.0.img_mod.lin", 0, 192);
  expectAt("double_blocks.0.processor.proj_lora2", "double_blocks.0.txt_attn.proj", 0, 32);
  // Layers this model does not have.
  for (const char* name :
       {"lora_unet_double_blocks_5_img_attn_qkv", "lora_te1_text_model_encoder_layers_0_mlp_fc1",
        "transformer.transformer_blocks.3.attn.to_q",
        "lora_unet_down_blocks_0_attentions_0_proj_in", "double_blocks.0.img_attn.norm.query_norm",
        "transformer.transformer_blocks.0.attn.norm_q", "single_blocks.0.processor.qkv_lora"})
    EXPECT_FALSE(resolver.resolve(name)) << name;
}

}  // namespace
}  // namespace fd::test
