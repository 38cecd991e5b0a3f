// Weight-name mapping and architecture detection on small synthetic
// checkpoints: every naming each component comes in (GGUF files included),
// the aliases and ignored keys, and the errors for broken files.

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <set>

#include "discovery/discovery_test_util.h"
#include "support/test_paths.h"
#include "weights/checkpoint.h"
#include "weights/component_kind.h"
#include "weights/weight_map.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

Checkpoint openSpec(const TempDir& dir, const std::string& name, const StateSpec& spec) {
  writeSpec(dir / name, spec);
  auto checkpoint = Checkpoint::open((dir / name).string());
  if (!checkpoint) throw std::runtime_error(checkpoint.error().message);
  return std::move(checkpoint).value();
}

Checkpoint openGguf(const TempDir& dir, const std::string& name, const StateSpec& spec,
                    const std::string& architecture) {
  writeGgufSpec(dir / name, spec, architecture);
  auto checkpoint = Checkpoint::open((dir / name).string());
  if (!checkpoint) throw std::runtime_error(checkpoint.error().message);
  return std::move(checkpoint).value();
}

std::map<std::string, std::vector<int64_t>> shapesOf(const StateSpec& spec) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& t : spec) shapes[t.name] = t.shape;
  return shapes;
}

std::map<std::string, std::vector<int64_t>> shapesOf(const WeightMap& map) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& [name, recipe] : map.recipes()) shapes[name] = recipe.shape;
  return shapes;
}

std::vector<std::string> partNames(const WeightRecipe& recipe) {
  std::vector<std::string> names;
  for (const auto& part : recipe.parts) names.push_back(part.info->name);
  return names;
}

void expectFluxEq(const FluxParams& actual, const FluxParams& expected) {
  EXPECT_EQ(toJson(actual), toJson(expected));
}

TEST(WeightNames, DiffusersTransformerMapsOntoTheBflNamesAndShapes) {
  TempDir dir("names");
  for (bool guidance : {false, true}) {
    FluxParams p = tinyFluxParams(guidance);
    StateSpec bfl = fluxSpec(p);
    Checkpoint diffusers = openSpec(dir, "diffusers.safetensors", fluxToDiffusers(bfl, p));
    auto map = mapFluxTransformer(diffusers);
    ASSERT_TRUE(map.ok()) << map.error().message;
    EXPECT_EQ(map->naming, WeightNaming::Diffusers);
    EXPECT_TRUE(map->ignored.empty());
    EXPECT_EQ(shapesOf(map.value()), shapesOf(bfl));

    // Fused tensors list their parts in BFL order; norm_out swaps halves.
    EXPECT_EQ(partNames(*map->find("double_blocks.1.img_attn.qkv.weight")),
              (std::vector<std::string>{"transformer_blocks.1.attn.to_q.weight",
                                        "transformer_blocks.1.attn.to_k.weight",
                                        "transformer_blocks.1.attn.to_v.weight"}));
    EXPECT_EQ(partNames(*map->find("double_blocks.0.txt_attn.qkv.bias")),
              (std::vector<std::string>{"transformer_blocks.0.attn.add_q_proj.bias",
                                        "transformer_blocks.0.attn.add_k_proj.bias",
                                        "transformer_blocks.0.attn.add_v_proj.bias"}));
    EXPECT_EQ(partNames(*map->find("single_blocks.2.linear1.weight")),
              (std::vector<std::string>{"single_transformer_blocks.2.attn.to_q.weight",
                                        "single_transformer_blocks.2.attn.to_k.weight",
                                        "single_transformer_blocks.2.attn.to_v.weight",
                                        "single_transformer_blocks.2.proj_mlp.weight"}));
    EXPECT_TRUE(map->find("final_layer.adaLN_modulation.1.weight")->swapHalves);
    EXPECT_FALSE(map->find("final_layer.linear.weight")->swapHalves);
    int64_t elements = 0;
    for (const auto& t : bfl)
      elements += std::accumulate(t.shape.begin(), t.shape.end(), int64_t{1}, std::multiplies<>());
    EXPECT_EQ(map->parameterCount(), elements);

    auto detected = detectFluxParams(map.value());
    ASSERT_TRUE(detected.ok()) << detected.error().message;
    expectFluxEq(detected.value(), p);
  }
}

TEST(WeightNames, ComfyPrefixAndOfficialNamesGiveTheSameMap) {
  TempDir dir("names");
  FluxParams p = tinyFluxParams();
  StateSpec bfl = fluxSpec(p);
  auto official = mapFluxTransformer(openSpec(dir, "official.safetensors", bfl));
  auto comfy = mapFluxTransformer(
      openSpec(dir, "comfy.safetensors", withPrefix(bfl, "model.diffusion_model.")));
  ASSERT_TRUE(official.ok() && comfy.ok());
  EXPECT_EQ(official->naming, WeightNaming::Official);
  EXPECT_EQ(comfy->naming, WeightNaming::ComfyPrefixed);
  EXPECT_EQ(shapesOf(official.value()), shapesOf(bfl));
  EXPECT_EQ(shapesOf(comfy.value()), shapesOf(bfl));
  EXPECT_EQ(comfy->find("img_in.weight")->parts.front().info->name,
            "model.diffusion_model.img_in.weight");
}

TEST(WeightNames, DiffusersAutoencoderReversesDecoderLevelsAndRestoresConvShapes) {
  TempDir dir("names");
  AutoEncoderParams p = tinyAutoencoderParams();
  StateSpec bfl = autoencoderSpec(p);
  for (const std::string prefix : {"", "vae."}) {
    auto map = mapAutoencoder(
        openSpec(dir, "vae.safetensors", withPrefix(autoencoderToDiffusers(bfl, p), prefix)));
    ASSERT_TRUE(map.ok()) << map.error().message;
    EXPECT_EQ(map->naming, WeightNaming::Diffusers);
    EXPECT_EQ(shapesOf(map.value()), shapesOf(bfl));
    // BFL level 0 is the highest resolution; diffusers' up_blocks.0 the lowest.
    EXPECT_EQ(map->find("decoder.up.0.block.2.conv1.weight")->parts[0].info->name,
              prefix + "decoder.up_blocks.2.resnets.2.conv1.weight");
    EXPECT_EQ(map->find("decoder.mid.attn_1.q.weight")->shape,
              (std::vector<int64_t>{16, 16, 1, 1}));
    auto detected = detectAutoencoderParams(map.value());
    ASSERT_TRUE(detected.ok()) << detected.error().message;
    EXPECT_EQ(detected->ch, p.ch);
    EXPECT_EQ(detected->ch_mult, p.ch_mult);
    EXPECT_EQ(detected->num_res_blocks, p.num_res_blocks);
    EXPECT_EQ(detected->z_channels, p.z_channels);
    EXPECT_TRUE(detected->has_encoder);
    EXPECT_DOUBLE_EQ(detected->scale_factor, 0.3611);  // FLUX.1 defaults without a config
    EXPECT_DOUBLE_EQ(detected->shift_factor, 0.1159);
    EXPECT_EQ(detected->resolution, 256);
  }
}

TEST(WeightNames, DecoderOnlyAutoencoderAndDiffusersConfigFactors) {
  TempDir dir("names");
  AutoEncoderParams p = tinyAutoencoderParams();
  StateSpec decoderOnly;
  for (const auto& t : autoencoderSpec(p))
    if (t.name.rfind("decoder.", 0) == 0) decoderOnly.push_back(t);
  auto map = mapAutoencoder(
      openSpec(dir, "decoder.safetensors", withPrefix(decoderOnly, "first_stage_model.")));
  ASSERT_TRUE(map.ok()) << map.error().message;
  EXPECT_EQ(map->naming, WeightNaming::ComfyPrefixed);
  auto detected = detectAutoencoderParams(
      map.value(),
      R"({"_class_name": "AutoencoderKL", "scaling_factor": 0.5, "shift_factor": 0.25, "sample_size": 512})");
  ASSERT_TRUE(detected.ok()) << detected.error().message;
  EXPECT_FALSE(detected->has_encoder);
  EXPECT_EQ(detected->ch, p.ch);
  EXPECT_EQ(detected->ch_mult, p.ch_mult);
  EXPECT_EQ(detected->num_res_blocks, p.num_res_blocks);
  EXPECT_DOUBLE_EQ(detected->scale_factor, 0.5);
  EXPECT_DOUBLE_EQ(detected->shift_factor, 0.25);
  EXPECT_EQ(detected->resolution, 512);
}

TEST(WeightNames, ClipPrefixesAndIgnoredKeys) {
  TempDir dir("names");
  ClipTextParams p = tinyClipParams();
  StateSpec hf = clipSpec(p);
  hf.push_back({"text_projection.weight", {p.hidden_size, p.hidden_size}, DType::F32});
  // A full CLIPModel's vision tower.
  hf.push_back({"vision_model.embeddings.class_embedding", {8}, DType::F32});
  hf.push_back({"logit_scale", {}, DType::F32});
  for (const std::string prefix : {"", "transformer.", "text_encoders.clip_l.transformer."}) {
    auto map = mapClipText(openSpec(dir, "clip.safetensors", withPrefix(hf, prefix)));
    ASSERT_TRUE(map.ok()) << map.error().message;
    EXPECT_EQ(map->naming, prefix.empty() ? WeightNaming::Official : WeightNaming::ComfyPrefixed);
    std::set<std::string> ignored(map->ignored.begin(), map->ignored.end());
    EXPECT_EQ(ignored,
              (std::set<std::string>{
                  prefix + "text_model.embeddings.position_ids", prefix + "text_projection.weight",
                  prefix + "vision_model.embeddings.class_embedding", prefix + "logit_scale"}));
    EXPECT_EQ(map->recipes().size(), hf.size() - 4);
    EXPECT_TRUE(map->contains("text_model.final_layer_norm.weight"));
    auto detected = detectClipTextParams(map.value());
    ASSERT_TRUE(detected.ok()) << detected.error().message;
    EXPECT_EQ(detected->vocab_size, p.vocab_size);
    EXPECT_EQ(detected->hidden_size, p.hidden_size);
    EXPECT_EQ(detected->intermediate_size, p.intermediate_size);
    EXPECT_EQ(detected->num_hidden_layers, p.num_hidden_layers);
    EXPECT_EQ(detected->num_attention_heads, 1);  // hidden / 64 without a config
    EXPECT_EQ(detected->hidden_act, "quick_gelu");
  }
  // A full CLIPConfig keeps the text fields under text_config.
  auto map = mapClipText(openSpec(dir, "clip.safetensors", hf));
  ASSERT_TRUE(map.ok());
  auto detected = detectClipTextParams(
      map.value(),
      R"({"model_type": "clip", "text_config": {"num_attention_heads": 4, "hidden_act": "gelu",
                       "layer_norm_eps": 1e-6, "eos_token_id": 49407}})");
  ASSERT_TRUE(detected.ok()) << detected.error().message;
  EXPECT_EQ(detected->num_attention_heads, 4);
  EXPECT_EQ(detected->hidden_act, "gelu");
  EXPECT_DOUBLE_EQ(detected->layer_norm_eps, 1e-6);
  EXPECT_EQ(detected->eos_token_id, 49407);
}

TEST(WeightNames, T5TiedEmbeddingIsCanonicallySharedWeight) {
  TempDir dir("names");
  T5Params p = tinyT5Params();
  StateSpec both = t5Spec(p);
  StateSpec onlyEmbed, onlyShared;
  for (const auto& t : both) {
    if (t.name != "shared.weight") onlyEmbed.push_back(t);
    if (t.name != "encoder.embed_tokens.weight") onlyShared.push_back(t);
  }
  struct Case {
    StateSpec spec;
    std::string prefix;
    std::string source;  // what shared.weight reads
    std::vector<std::string> ignored;
  };
  // A full T5ForConditionalGeneration: the decoder is set aside.
  StateSpec withDecoder = onlyShared;
  withDecoder.push_back(
      {"decoder.block.0.layer.0.SelfAttention.q.weight", {p.d_model, p.d_model}, DType::F32});
  withDecoder.push_back({"lm_head.weight", {p.vocab_size, p.d_model}, DType::F32});
  const std::string comfy = "text_encoders.t5xxl.transformer.";
  for (const Case& c :
       {Case{both, "", "shared.weight", {"encoder.embed_tokens.weight"}},
        Case{onlyEmbed, "", "encoder.embed_tokens.weight", {}},
        Case{onlyShared, "", "shared.weight", {}},
        Case{withDecoder,
             "",
             "shared.weight",
             {"decoder.block.0.layer.0.SelfAttention.q.weight", "lm_head.weight"}},
        Case{both, comfy, comfy + "shared.weight", {comfy + "encoder.embed_tokens.weight"}}}) {
    auto map = mapT5Encoder(openSpec(dir, "t5.safetensors", withPrefix(c.spec, c.prefix)));
    ASSERT_TRUE(map.ok()) << map.error().message;
    EXPECT_EQ(map->naming, c.prefix.empty() ? WeightNaming::Official : WeightNaming::ComfyPrefixed);
    ASSERT_TRUE(map->contains("shared.weight"));
    EXPECT_FALSE(map->contains("encoder.embed_tokens.weight"));
    EXPECT_EQ(map->find("shared.weight")->parts[0].info->name, c.source);
    EXPECT_EQ(map->ignored, c.ignored);
    auto detected = detectT5Params(map.value(), R"({"model_type": "t5", "layer_norm_epsilon": 1e-5,
                                                    "relative_attention_max_distance": 64})");
    ASSERT_TRUE(detected.ok()) << detected.error().message;
    EXPECT_EQ(detected->vocab_size, p.vocab_size);
    EXPECT_EQ(detected->d_model, p.d_model);
    EXPECT_EQ(detected->d_kv, p.d_kv);
    EXPECT_EQ(detected->d_ff, p.d_ff);
    EXPECT_EQ(detected->num_heads, p.num_heads);
    EXPECT_EQ(detected->num_layers, p.num_layers);
    EXPECT_EQ(detected->relative_attention_num_buckets, p.relative_attention_num_buckets);
    EXPECT_TRUE(detected->is_gated_act);
    EXPECT_DOUBLE_EQ(detected->layer_norm_epsilon, 1e-5);
    EXPECT_EQ(detected->relative_attention_max_distance, 64);
  }
}

TEST(WeightNames, T5GgufLlamaCppNamesMapOntoTheHuggingFaceSet) {
  TempDir dir("names");
  for (bool gated : {true, false}) {
    SCOPED_TRACE(gated ? "gated (T5 v1.1)" : "not gated (T5 v1.0)");
    T5Params p = tinyT5Params();
    p.is_gated_act = gated;
    if (!gated) p.dense_act_fn = "relu";
    const StateSpec hf = t5Spec(p);
    const StateSpec gguf = withGgufTypes(t5ToLlamaCpp(hf), DType::Q8_0);
    Checkpoint checkpoint = openGguf(dir, "t5-v1_1-xxl-encoder-Q8_0.gguf", gguf, "t5encoder");
    EXPECT_EQ(componentsInCheckpoint(checkpoint),
              std::vector<ComponentKind>{ComponentKind::T5Encoder});
    auto map = mapT5Encoder(checkpoint);
    ASSERT_TRUE(map.ok()) << map.error().message;
    EXPECT_TRUE(map->ignored.empty()) << map->ignored.front();
    // Every Hugging Face name, with its shape (the tied copy is not in the file).
    StateSpec expected;
    for (const auto& t : hf)
      if (t.name != "encoder.embed_tokens.weight") expected.push_back(t);
    EXPECT_EQ(shapesOf(map.value()), shapesOf(expected));
    // Each rule, by its source.
    const std::map<std::string, std::string> sources = {
        {"shared.weight", "token_embd.weight"},
        {"encoder.final_layer_norm.weight", "enc.output_norm.weight"},
        {"encoder.block.1.layer.0.SelfAttention.q.weight", "enc.blk.1.attn_q.weight"},
        {"encoder.block.1.layer.0.SelfAttention.k.weight", "enc.blk.1.attn_k.weight"},
        {"encoder.block.1.layer.0.SelfAttention.v.weight", "enc.blk.1.attn_v.weight"},
        {"encoder.block.1.layer.0.SelfAttention.o.weight", "enc.blk.1.attn_o.weight"},
        {"encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
         "enc.blk.0.attn_rel_b.weight"},
        {"encoder.block.1.layer.0.layer_norm.weight", "enc.blk.1.attn_norm.weight"},
        {"encoder.block.1.layer.1.DenseReluDense.wo.weight", "enc.blk.1.ffn_down.weight"},
        {"encoder.block.1.layer.1.layer_norm.weight", "enc.blk.1.ffn_norm.weight"},
    };
    for (const auto& [canonical, source] : sources) {
      ASSERT_TRUE(map->contains(canonical)) << canonical;
      EXPECT_EQ(partNames(*map->find(canonical)), std::vector<std::string>{source}) << canonical;
    }
    if (gated) {
      EXPECT_EQ(partNames(*map->find("encoder.block.1.layer.1.DenseReluDense.wi_0.weight")),
                std::vector<std::string>{"enc.blk.1.ffn_gate.weight"});
      EXPECT_EQ(partNames(*map->find("encoder.block.1.layer.1.DenseReluDense.wi_1.weight")),
                std::vector<std::string>{"enc.blk.1.ffn_up.weight"});
    } else {
      EXPECT_EQ(partNames(*map->find("encoder.block.1.layer.1.DenseReluDense.wi.weight")),
                std::vector<std::string>{"enc.blk.1.ffn_up.weight"});
    }
    // Storage types come through: quantized matrices, f16 where rows are
    // not whole blocks, f32 norms.
    EXPECT_EQ(map->find("encoder.block.0.layer.0.SelfAttention.q.weight")->dtype, DType::Q8_0);
    EXPECT_EQ(map->find("encoder.block.0.layer.0.SelfAttention.o.weight")->dtype, DType::F16);
    EXPECT_EQ(map->find("encoder.final_layer_norm.weight")->dtype, DType::F32);
    // The relative attention bias keeps the Embedding's [num_buckets, num_heads].
    EXPECT_EQ(map->shape("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"),
              (std::vector<int64_t>{p.relative_attention_num_buckets, p.num_heads}));
    auto detected = detectT5Params(map.value());
    ASSERT_TRUE(detected.ok()) << detected.error().message;
    EXPECT_EQ(toJson(detected.value()), toJson(p));
  }

  // A full T5 (general.architecture "t5"): decoder and head are set aside.
  T5Params p = tinyT5Params();
  StateSpec full = t5ToLlamaCpp(t5Spec(p));
  full.push_back({"dec.blk.0.attn_q.weight", {p.num_heads * p.d_kv, p.d_model}, DType::F32});
  full.push_back({"dec.output_norm.weight", {p.d_model}, DType::F32});
  full.push_back({"output.weight", {p.vocab_size, p.d_model}, DType::F32});
  auto map = mapT5Encoder(openGguf(dir, "t5-full.gguf", full, "t5"));
  ASSERT_TRUE(map.ok()) << map.error().message;
  EXPECT_EQ(map->ignored, (std::vector<std::string>{"dec.blk.0.attn_q.weight",
                                                    "dec.output_norm.weight", "output.weight"}));
  EXPECT_EQ(toJson(detectT5Params(map.value()).value()), toJson(p));
}

TEST(WeightNames, T5GgufNamesFromHuggingFaceNamesReverseTheRules) {
  for (bool gated : {true, false}) {
    T5Params p = tinyT5Params();
    p.is_gated_act = gated;
    const StateSpec hf = t5Spec(p);
    StateSpec withoutTiedCopy;
    for (const auto& t : hf)
      if (t.name != "encoder.embed_tokens.weight") withoutTiedCopy.push_back(t);
    const StateSpec gguf = t5ToLlamaCpp(withoutTiedCopy);
    ASSERT_EQ(gguf.size(), withoutTiedCopy.size());
    for (size_t i = 0; i < gguf.size(); ++i)
      EXPECT_EQ(t5GgufNameFromHf(withoutTiedCopy[i].name), gguf[i].name);
  }
  // Names without a GGUF form come back as they are.
  for (const char* name :
       {"encoder.embed_tokens.weight", "decoder.block.0.layer.0.SelfAttention.q.weight",
        "encoder.block.0.layer.9.unknown.weight", "lm_head.weight"})
    EXPECT_EQ(t5GgufNameFromHf(name), name);

  // A file written with those names and the tied copy left in maps cleanly.
  TempDir dir("names");
  StateSpec renamed = t5Spec(tinyT5Params());
  for (auto& t : renamed) t.name = t5GgufNameFromHf(t.name);
  auto map = mapT5Encoder(openGguf(dir, "demo-t5.gguf", renamed, "t5encoder"));
  ASSERT_TRUE(map.ok()) << map.error().message;
  EXPECT_EQ(map->ignored, std::vector<std::string>{"encoder.embed_tokens.weight"});
  EXPECT_EQ(toJson(detectT5Params(map.value()).value()), toJson(tinyT5Params()));
}

TEST(WeightNames, FluxGgufWithAndWithoutTheDiffusionModelPrefix) {
  TempDir dir("names");
  const FluxParams p = tinyFluxParams();
  const StateSpec bfl = fluxSpec(p);
  // city96's files keep the official names; stable-diffusion.cpp's
  // converter writes them under model.diffusion_model.
  for (const std::string prefix : {"", "model.diffusion_model."}) {
    SCOPED_TRACE("prefix '" + prefix + "'");
    Checkpoint checkpoint = openGguf(dir, "flux1-schnell-Q8_0.gguf",
                                     withGgufTypes(withPrefix(bfl, prefix), DType::Q8_0), "flux");
    EXPECT_EQ(componentsInCheckpoint(checkpoint),
              std::vector<ComponentKind>{ComponentKind::Transformer});
    auto map = mapFluxTransformer(checkpoint);
    ASSERT_TRUE(map.ok()) << map.error().message;
    EXPECT_EQ(map->naming, prefix.empty() ? WeightNaming::Official : WeightNaming::ComfyPrefixed);
    EXPECT_TRUE(map->ignored.empty());
    EXPECT_EQ(shapesOf(map.value()), shapesOf(bfl));
    EXPECT_EQ(map->find("double_blocks.0.img_attn.qkv.weight")->dtype, DType::Q8_0);
    EXPECT_EQ(partNames(*map->find("double_blocks.0.img_attn.qkv.weight")),
              std::vector<std::string>{prefix + "double_blocks.0.img_attn.qkv.weight"});
    auto detected = detectFluxParams(map.value());
    ASSERT_TRUE(detected.ok()) << detected.error().message;
    expectFluxEq(detected.value(), p);
  }
}

TEST(WeightNames, AllInOneCheckpointSeparatesItsComponents) {
  TempDir dir("names");
  FluxParams fp = tinyFluxParams();
  AutoEncoderParams ap = tinyAutoencoderParams();
  Checkpoint all =
      openSpec(dir, "all.safetensors",
               concat({withPrefix(fluxSpec(fp), "model.diffusion_model."),
                       withPrefix(autoencoderSpec(ap), "vae."),
                       withPrefix(clipSpec(tinyClipParams()), "text_encoders.clip_l.transformer."),
                       withPrefix(t5Spec(tinyT5Params()), "text_encoders.t5xxl.transformer.")}));
  EXPECT_EQ(componentsInCheckpoint(all),
            (std::vector<ComponentKind>{ComponentKind::Transformer, ComponentKind::Autoencoder,
                                        ComponentKind::ClipText, ComponentKind::T5Encoder}));
  EXPECT_EQ(guessComponentKind(all), ComponentKind::Transformer);
  auto flux = mapFluxTransformer(all);
  auto ae = mapAutoencoder(all);
  auto clip = mapClipText(all);
  auto t5 = mapT5Encoder(all);
  ASSERT_TRUE(flux.ok() && ae.ok() && clip.ok() && t5.ok());
  EXPECT_EQ(shapesOf(flux.value()), shapesOf(fluxSpec(fp)));
  EXPECT_EQ(shapesOf(ae.value()), shapesOf(autoencoderSpec(ap)));
  // Each map reads its own keys and sets every other component's aside.
  size_t total = all.entries().size();
  EXPECT_EQ(flux->recipes().size() + flux->ignored.size(), total);
  EXPECT_EQ(ae->recipes().size() + ae->ignored.size(), total);
  EXPECT_EQ(clip->recipes().size() + clip->ignored.size(), total);
  EXPECT_EQ(t5->recipes().size() + t5->ignored.size(), total);
}

TEST(WeightNames, UnknownKeysAreKeptForStrictLoadingToReport) {
  TempDir dir("names");
  StateSpec spec = fluxSpec(tinyFluxParams());
  spec.push_back({"lora_unet_down.alpha", {1}, DType::F32});
  auto map = mapFluxTransformer(openSpec(dir, "extra.safetensors", spec));
  ASSERT_TRUE(map.ok());
  EXPECT_TRUE(map->contains("lora_unet_down.alpha"));

  FluxParams p = tinyFluxParams();
  StateSpec diffusers = fluxToDiffusers(fluxSpec(p), p);
  diffusers.push_back({"transformer_blocks.0.attn.some_new_proj.weight", {4, 4}, DType::F32});
  auto dmap = mapFluxTransformer(openSpec(dir, "extra_diffusers.safetensors", diffusers));
  ASSERT_TRUE(dmap.ok()) << dmap.error().message;
  EXPECT_TRUE(dmap->contains("transformer_blocks.0.attn.some_new_proj.weight"));
}

TEST(WeightNames, BrokenCheckpointsGiveErrorsNamingTheKey) {
  TempDir dir("names");
  FluxParams p = tinyFluxParams();
  StateSpec diffusers = fluxToDiffusers(fluxSpec(p), p);

  // A missing part of a fused tensor.
  StateSpec noMlp;
  for (const auto& t : diffusers)
    if (t.name != "single_transformer_blocks.1.proj_mlp.weight") noMlp.push_back(t);
  auto missingPart = mapFluxTransformer(openSpec(dir, "a.safetensors", noMlp));
  ASSERT_FALSE(missingPart.ok());
  EXPECT_EQ(missingPart.error().kind, ErrorKind::ModelInvalid);
  EXPECT_NE(missingPart.error().message.find("single_transformer_blocks.1.proj_mlp.weight"),
            std::string::npos)
      << missingPart.error().message;
  EXPECT_NE(missingPart.error().message.find("single_blocks.1.linear1.weight"), std::string::npos);

  // Parts that cannot be concatenated.
  StateSpec badShape = diffusers;
  for (auto& t : badShape)
    if (t.name == "transformer_blocks.0.attn.to_k.weight") t.shape[1] += 1;
  auto mismatch = mapFluxTransformer(openSpec(dir, "b.safetensors", badShape));
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message.find("transformer_blocks.0.attn.to_k.weight"),
            std::string::npos);

  // Block indices with a gap.
  StateSpec gap;
  for (const auto& t : fluxSpec(p))
    if (t.name.rfind("single_blocks.1.", 0) != 0) gap.push_back(t);
  auto gapMap = mapFluxTransformer(openSpec(dir, "c.safetensors", gap));
  ASSERT_TRUE(gapMap.ok());
  auto gapParams = detectFluxParams(gapMap.value());
  ASSERT_FALSE(gapParams.ok());
  EXPECT_NE(gapParams.error().message.find("single_blocks.1."), std::string::npos)
      << gapParams.error().message;

  // A key detection needs.
  StateSpec noVector;
  for (const auto& t : fluxSpec(p))
    if (t.name != "vector_in.in_layer.weight") noVector.push_back(t);
  auto noVectorMap = mapFluxTransformer(openSpec(dir, "d.safetensors", noVector));
  ASSERT_TRUE(noVectorMap.ok());
  auto noVectorParams = detectFluxParams(noVectorMap.value());
  ASSERT_FALSE(noVectorParams.ok());
  EXPECT_NE(noVectorParams.error().message.find("'vector_in.in_layer.weight' is missing"),
            std::string::npos)
      << noVectorParams.error().message;

  // Rope axes that do not fit the head dimension, and a malformed config.
  auto full = mapFluxTransformer(openSpec(dir, "e.safetensors", fluxSpec(p)));
  ASSERT_TRUE(full.ok());
  auto badAxes = detectFluxParams(full.value(), R"({"axes_dim": [4, 6, 6]})");
  ASSERT_FALSE(badAxes.ok());
  EXPECT_NE(badAxes.error().message.find("axes"), std::string::npos);
  auto badJson = detectFluxParams(full.value(), "{not json");
  ASSERT_FALSE(badJson.ok());
  EXPECT_NE(badJson.error().message.find("config.json"), std::string::npos);

  // Something that is not a transformer at all.
  auto notFlux = mapFluxTransformer(openSpec(dir, "f.safetensors", t5Spec(tinyT5Params())));
  ASSERT_FALSE(notFlux.ok());
  EXPECT_NE(notFlux.error().message.find("img_in.weight"), std::string::npos)
      << notFlux.error().message;
  EXPECT_NE(notFlux.error().message.find("f.safetensors"), std::string::npos);
}

TEST(WeightNames, DiffusersConfigSuppliesRopeAxes) {
  TempDir dir("names");
  FluxParams p = tinyFluxParams();
  p.num_heads = 4;  // head dim 32: FLUX.1's default axes no longer fit
  p.axes_dim = {8, 12, 12};
  auto map = mapFluxTransformer(openSpec(dir, "t.safetensors", fluxToDiffusers(fluxSpec(p), p)));
  ASSERT_TRUE(map.ok());
  EXPECT_FALSE(detectFluxParams(map.value()).ok());
  auto detected = detectFluxParams(map.value(), R"({"_class_name": "FluxTransformer2DModel",
                                                    "axes_dims_rope": [8, 12, 12]})");
  ASSERT_TRUE(detected.ok()) << detected.error().message;
  expectFluxEq(detected.value(), p);
}

}  // namespace
}  // namespace fd::test
