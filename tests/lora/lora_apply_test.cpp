// Applying LoRA adapters: scale 0 and all-zero LoRAs change nothing bit for
// bit, clearing gives the base model back exactly, several LoRAs add up,
// quantized (GGUF q8_0) transformers take them too, and files that do not
// fit the model are refused with the keys and shapes named.

#include "lora/lora_apply.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <iostream>

#include "lora_test_util.h"
#include "pipeline/cuda_backend.h"
#include "pipeline/gguf_convert.h"
#include "support/test_paths.h"
#include "tensor/layers.h"
#include "tensor/weight_loading.h"
#include "weights/checkpoint.h"
#include "weights/safetensors_writer.h"
#include "weights/weight_map.h"

namespace fd::test {
namespace {

constexpr double kAtol = 2e-5, kRtol = 1e-4;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TensorToWrite floatTensor(const std::string& name, const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kFloat32).contiguous();
  TensorToWrite w;
  w.name = name;
  w.shape = c.sizes().vec();
  const auto* p = static_cast<const uint8_t*>(c.data_ptr());
  w.bytes.assign(p, p + c.numel() * sizeof(float));
  return w;
}

std::map<std::string, torch::Tensor> parameterCopies(FluxModel& model) {
  std::map<std::string, torch::Tensor> copies;
  for (const auto& p : model->named_parameters()) copies.emplace(p.key(), p.value().clone());
  return copies;
}

TEST(LoraApply, ScaleZeroAndAnAllZeroLoraLeaveTheOutputBitwise) {
  auto model = tinyFluxModel(true);
  const auto base = runModel(model, tinyInputs());
  const auto modules = allDenseModules(model);
  LoraDelta delta = randomDelta(model, modules, 4, 4.0f, 3);
  TempDir dir("lora-zero");
  const std::string path = (dir / "lora.safetensors").string();
  writeLora(path, delta, LoraNaming::Kohya, model);

  auto report = applyLoras(*model, {{path, 0.0}});
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->files.at(0).adapters, modules.size());  // read and checked...
  EXPECT_EQ(loraAdapterCount(*model), 0u);                  // ...but nothing attached
  EXPECT_TRUE(torch::equal(runModel(model, tinyInputs()), base));

  for (auto& [name, d] : delta) d.up.zero_();
  writeLora(path, delta, LoraNaming::Diffusers, model);
  report = applyLoras(*model, {{path, 1.0}});
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_GT(loraAdapterCount(*model), 0u);
  EXPECT_TRUE(torch::equal(runModel(model, tinyInputs()), base));
}

TEST(LoraApply, ClearingGivesTheBaseModelBack) {
  auto model = tinyFluxModel(true);
  const auto weights = parameterCopies(model);
  const auto base = runModel(model, tinyInputs());
  const LoraDelta delta = randomDelta(model, allDenseModules(model), 4, 4.0f, 8);
  TempDir dir("lora-clear");
  writeLora((dir / "a.safetensors").string(), delta, LoraNaming::BflLoraAB, model);
  ASSERT_TRUE(applyLoras(*model, {{(dir / "a.safetensors").string(), 1.0}}).ok());
  EXPECT_GT(maxAbsDiff(runModel(model, tinyInputs()), base), 1e-2);
  // The weights themselves were never touched.
  for (const auto& p : model->named_parameters())
    EXPECT_TRUE(torch::equal(p.value(), weights.at(p.key()))) << p.key();
  clearLoras(*model);
  EXPECT_EQ(loraAdapterCount(*model), 0u);
  EXPECT_TRUE(torch::equal(runModel(model, tinyInputs()), base));
}

TEST(LoraApply, SeveralLorasAddUp) {
  auto model = tinyFluxModel(true);
  const auto modules = allDenseModules(model);
  const LoraDelta a = randomDelta(model, modules, 4, 2.0f, 31);
  // B adapts only some layers, at another rank.
  const LoraDelta b = randomDelta(model,
                                  {"double_blocks.0.img_attn.qkv", "single_blocks.1.linear1",
                                   "txt_in", "final_layer.adaLN_modulation.1"},
                                  6, 3.0f, 32);
  TempDir dir("lora-several");
  writeLora((dir / "a.safetensors").string(), a, LoraNaming::Kohya, model);
  writeLora((dir / "b.safetensors").string(), b, LoraNaming::Diffusers, model);
  auto report = applyLoras(
      *model, {{(dir / "a.safetensors").string(), 0.5}, {(dir / "b.safetensors").string(), 1.5}});
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(report->files.size(), 2u);
  EXPECT_EQ(report->files[1].format, "diffusers");
  auto merged = mergedModel(model, {{&a, 0.5}, {&b, 1.5}});
  const auto expected = runModel(merged, tinyInputs());
  const auto out = runModel(model, tinyInputs());
  std::cout << "two LoRAs: max |adapters - merged| = " << maxAbsDiff(out, expected) << "\n";
  EXPECT_TRUE(torch::allclose(out, expected, kRtol, kAtol)) << maxAbsDiff(out, expected);

  // Applied one call at a time, they add up the same.
  clearLoras(*model);
  ASSERT_TRUE(applyLoras(*model, {{(dir / "a.safetensors").string(), 0.5}}).ok());
  ASSERT_TRUE(applyLoras(*model, {{(dir / "b.safetensors").string(), 1.5}}).ok());
  EXPECT_TRUE(torch::equal(runModel(model, tinyInputs()), out));
}

TEST(LoraApply, AQuantizedTransformerTakesAdapters) {
  TempDir dir("lora-gguf");
  // The tiny model saved as a float32 checkpoint, quantized to q8_0 by the
  // converter `fluxdesk-cli quantize` runs, and loaded packed.
  auto source = tinyFluxModel(true);
  std::vector<TensorToWrite> tensors;
  for (const auto& p : source->named_parameters())
    tensors.push_back(floatTensor(p.key(), p.value()));
  const std::string f32 = (dir / "tiny.safetensors").string(),
                    q8 = (dir / "tiny-q8_0.gguf").string();
  ASSERT_TRUE(writeSafetensors(f32, tensors).ok());
  GgufConvertOptions options;
  options.type = DType::Q8_0;
  auto converted = convertToGguf(f32, q8, options);
  ASSERT_TRUE(converted.ok()) << converted.error().message;
  auto checkpoint = Checkpoint::open(q8);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().message;
  auto map = mapFluxTransformer(checkpoint.value());
  ASSERT_TRUE(map.ok()) << map.error().message;
  FluxModel model(tinyFluxParams(true));
  ASSERT_TRUE(loadModuleWeights(*model, map.value(), torch::kFloat32, torch::kCPU).ok());
  size_t packed = 0;
  for (const auto& item : model->named_modules("", false))
    if (auto* dense = dynamic_cast<DenseImpl*>(item.value().get());
        dense && dense->packedType() == DType::Q8_0)
      ++packed;
  ASSERT_GE(packed, 10u) << "the blocks' layers should stay q8_0 blocks";
  const auto packedWeights = parameterCopies(model);

  const auto base = runModel(model, tinyInputs());
  const LoraDelta delta = randomDelta(model, allDenseModules(model), 4, 4.0f, 41);
  writeLora((dir / "lora.safetensors").string(), delta, LoraNaming::Kohya, model);
  ASSERT_TRUE(applyLoras(*model, {{(dir / "lora.safetensors").string(), 1.0}}).ok());
  auto merged = mergedModel(model, {{&delta, 1.0}});  // expanded q8_0 weights + delta
  const auto expected = runModel(merged, tinyInputs());
  const auto out = runModel(model, tinyInputs());
  std::cout << "q8_0: max |adapters - merged| = " << maxAbsDiff(out, expected) << "\n";
  EXPECT_GT(maxAbsDiff(out, base), 1e-2);
  EXPECT_TRUE(torch::allclose(out, expected, kRtol, kAtol)) << maxAbsDiff(out, expected);
  for (const auto& p : model->named_parameters())
    EXPECT_TRUE(torch::equal(p.value(), packedWeights.at(p.key()))) << p.key() << " changed";
  clearLoras(*model);
  EXPECT_TRUE(torch::equal(runModel(model, tinyInputs()), base));
}

TEST(LoraApply, BfloatModelsComputeTheAdaptersInTheirDtype) {
  auto model = tinyFluxModel(true);
  model->to(torch::kBFloat16);
  const auto base = runModel(model, tinyInputs());
  const LoraDelta delta = randomDelta(model, allDenseModules(model), 4, 4.0f, 12);
  TempDir dir("lora-bf16");
  writeLora((dir / "lora.safetensors").string(), delta, LoraNaming::Kohya, model);
  ASSERT_TRUE(applyLoras(*model, {{(dir / "lora.safetensors").string(), 1.0}}).ok());
  for (const auto& item : model->named_modules("", false)) {
    if (auto* dense = dynamic_cast<DenseImpl*>(item.value().get())) {
      for (const auto& adapter : dense->adapters())
        EXPECT_EQ(adapter.down.scalar_type(), model->dtype());
    }
  }
  auto merged = mergedModel(model, {{&delta, 1.0}});
  const auto expected = runModel(merged, tinyInputs());
  // bfloat16's own error: the merged weights run in bfloat16.
  merged->to(torch::kBFloat16);
  const double bf16Error = maxAbsDiff(runModel(merged, tinyInputs()), expected);
  const auto out = runModel(model, tinyInputs());
  std::cout << "bfloat16: max |adapters - merged (float32)| = " << maxAbsDiff(out, expected)
            << ", merged in bfloat16: " << bf16Error << ", the LoRA moved the output by "
            << maxAbsDiff(base, expected) << "\n";
  EXPECT_LT(maxAbsDiff(out, expected), 2 * bf16Error);
  clearLoras(*model);
  EXPECT_TRUE(torch::equal(runModel(model, tinyInputs()), base));
}

TEST(LoraApply, AdaptersFollowTheLayersDevice) {
  auto model = tinyFluxModel(true);
  const LoraDelta delta = randomDelta(model, allDenseModules(model), 4, 4.0f, 17);
  TempDir dir("lora-device");
  writeLora((dir / "lora.safetensors").string(), delta, LoraNaming::Kohya, model);
  ASSERT_TRUE(applyLoras(*model, {{(dir / "lora.safetensors").string(), 1.0}}).ok());
  const auto reference = runModel(model, tinyInputs());
  // Stream-blocks mode parks the blocks (and their adapters) on the CPU and
  // copies them for each call: on the CPU the same numbers come out.
  model->setBlockStreaming(torch::Device(torch::kCPU));
  EXPECT_TRUE(torch::equal(runModel(model, tinyInputs()), reference));
  model->setBlockStreaming(std::nullopt);

  if (!loadCudaBackend() || !torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const torch::Device cuda(torch::kCUDA);
  model->to(cuda);
  for (const auto& item : model->named_modules("", false)) {
    if (auto* dense = dynamic_cast<DenseImpl*>(item.value().get())) {
      for (const auto& adapter : dense->adapters())
        EXPECT_TRUE(adapter.down.is_cuda() && adapter.up.is_cuda());
    }
  }
  const auto onGpu = runModel(model, tinyInputs()).cpu();
  EXPECT_TRUE(torch::allclose(onGpu, reference, 1e-3, 1e-3)) << maxAbsDiff(onGpu, reference);
  // Blocks streamed to the GPU with adapters made while they were parked.
  clearLoras(*model);
  model->setBlockStreaming(cuda);
  ASSERT_TRUE(applyLoras(*model, {{(dir / "lora.safetensors").string(), 1.0}}).ok());
  const auto streamed = runModel(model, tinyInputs()).cpu();
  EXPECT_TRUE(torch::allclose(streamed, reference, 1e-3, 1e-3)) << maxAbsDiff(streamed, reference);
}

// --- refusals ---------------------------------------------------------------

TEST(LoraApply, AFileThatMatchesNothingIsAnErrorListingItsKeys) {
  auto model = tinyFluxModel(true);
  TempDir dir("lora-nomatch");
  const std::string path = (dir / "sdxl.safetensors").string();
  ASSERT_TRUE(
      writeSafetensors(path,
                       {floatTensor("lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight",
                                    torch::zeros({4, 32})),
                        floatTensor("lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight",
                                    torch::zeros({32, 4}))})
          .ok());
  auto report = applyLoras(*model, {{path, 1.0}});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().kind, ErrorKind::BadRequest);
  const std::string& message = report.error().message;
  std::cout << message << "\n";
  EXPECT_TRUE(contains(message, path)) << message;
  EXPECT_TRUE(contains(message, "lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight"))
      << message;
  EXPECT_EQ(loraAdapterCount(*model), 0u);

  const std::string lokr = (dir / "lokr.safetensors").string();
  const std::string head = "lora_unet_double_blocks_0_img_attn_qkv";
  ASSERT_TRUE(writeSafetensors(lokr, {floatTensor(head + ".lokr_w1", torch::zeros({4, 4})),
                                      floatTensor(head + ".lokr_w2", torch::zeros({24, 8}))})
                  .ok());
  auto lycoris = applyLoras(*model, {{lokr, 1.0}});
  ASSERT_FALSE(lycoris.ok());
  EXPECT_TRUE(contains(lycoris.error().message, "LoKr")) << lycoris.error().message;

  auto missing = applyLoras(*model, {{(dir / "absent.safetensors").string(), 1.0}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::ModelMissing);
}

TEST(LoraApply, PartlyMatchingFilesApplyWhatMatchesAndCountTheRest) {
  auto model = tinyFluxModel(true);
  const LoraDelta delta =
      randomDelta(model, {"double_blocks.0.img_attn.qkv", "single_blocks.0.linear2"}, 4, 4.0f, 2);
  TempDir dir("lora-partial");
  const std::string flux = (dir / "flux.safetensors").string();
  writeLora(flux, delta, LoraNaming::Kohya, model);
  // The same file with a text-encoder part and a block this model lacks.
  auto checkpoint = Checkpoint::open(flux);
  ASSERT_TRUE(checkpoint.ok());
  std::vector<TensorToWrite> tensors;
  for (const auto& [key, entry] : checkpoint.value().entries())
    tensors.push_back(floatTensor(key, loadTensor(entry).value()));
  for (const char* head :
       {"lora_te1_text_model_encoder_layers_0_mlp_fc1", "lora_unet_double_blocks_7_img_attn_qkv"}) {
    tensors.push_back(floatTensor(std::string(head) + ".lora_down.weight", torch::zeros({4, 32})));
    tensors.push_back(floatTensor(std::string(head) + ".lora_up.weight", torch::zeros({96, 4})));
    tensors.push_back(floatTensor(std::string(head) + ".alpha", torch::tensor(4.0f)));
  }
  tensors.push_back(
      floatTensor("lora_unet_single_blocks_0_linear1.dora_scale", torch::ones({1, 32})));
  const std::string mixed = (dir / "mixed.safetensors").string();
  ASSERT_TRUE(writeSafetensors(mixed, tensors).ok());

  auto report = applyLoras(*model, {{mixed, 1.0}});
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->files[0].adapters, 2u);
  EXPECT_EQ(report->files[0].unmatchedKeys, 7u);
  EXPECT_FALSE(report->files[0].unmatchedExamples.empty());
  const auto out = runModel(model, tinyInputs());
  clearLoras(*model);
  ASSERT_TRUE(applyLoras(*model, {{flux, 1.0}}).ok());
  EXPECT_TRUE(torch::equal(runModel(model, tinyInputs()), out));
}

TEST(LoraApply, ShapesThatDoNotFitAreRefusedAndNothingIsAttached) {
  auto model = tinyFluxModel(true);
  TempDir dir("lora-shapes");
  const LoraDelta good = randomDelta(model, {"img_in"}, 4, 4.0f, 1);
  writeLora((dir / "good.safetensors").string(), good, LoraNaming::Kohya, model);
  // A LoRA for a wider model: down [4, 48] on a layer whose input is 32 wide.
  const std::string wide = (dir / "wide.safetensors").string();
  ASSERT_TRUE(writeSafetensors(
                  wide, {floatTensor("lora_unet_double_blocks_0_img_attn_proj.lora_down.weight",
                                     torch::zeros({4, 48})),
                         floatTensor("lora_unet_double_blocks_0_img_attn_proj.lora_up.weight",
                                     torch::zeros({48, 4}))})
                  .ok());
  auto report = applyLoras(*model, {{(dir / "good.safetensors").string(), 1.0}, {wide, 1.0}});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().kind, ErrorKind::BadRequest);
  const std::string& message = report.error().message;
  std::cout << message << "\n";
  for (const char* part : {"lora_unet_double_blocks_0_img_attn_proj.lora_down.weight", "[4, 48]",
                           "[48, 4]", "double_blocks.0.img_attn.proj", "[32, 32]"})
    EXPECT_TRUE(contains(message, part)) << part << " in: " << message;
  EXPECT_EQ(loraAdapterCount(*model), 0u) << "the good file must not stay half applied";

  // diffusers' to_k must have hidden rows: 40 rows do not fit the k part.
  const std::string rows = (dir / "rows.safetensors").string();
  ASSERT_TRUE(writeSafetensors(
                  rows, {floatTensor("transformer.transformer_blocks.0.attn.to_k.lora_A.weight",
                                     torch::zeros({4, 32})),
                         floatTensor("transformer.transformer_blocks.0.attn.to_k.lora_B.weight",
                                     torch::zeros({40, 4}))})
                  .ok());
  report = applyLoras(*model, {{rows, 1.0}});
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(contains(report.error().message, "rows 32..64")) << report.error().message;

  // Ranks that disagree between down and up: a malformed file.
  const std::string rank = (dir / "rank.safetensors").string();
  ASSERT_TRUE(
      writeSafetensors(rank,
                       {floatTensor("diffusion_model.img_in.lora_A.weight", torch::zeros({4, 64})),
                        floatTensor("diffusion_model.img_in.lora_B.weight", torch::zeros({32, 8}))})
          .ok());
  report = applyLoras(*model, {{rank, 1.0}});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().kind, ErrorKind::ModelInvalid);
  EXPECT_TRUE(contains(report.error().message, "rank")) << report.error().message;

  auto notFinite = applyLoras(*model, {{(dir / "good.safetensors").string(), std::nan("")}});
  ASSERT_FALSE(notFinite.ok());
  EXPECT_EQ(notFinite.error().kind, ErrorKind::BadRequest);
}

}  // namespace
}  // namespace fd::test
