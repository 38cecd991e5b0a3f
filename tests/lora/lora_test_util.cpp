#include "lora_test_util.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <cstring>

#include "tensor/layers.h"
#include "weights/safetensors_writer.h"

namespace fd::test {

namespace {

torch::Tensor randn(std::vector<int64_t> shape, at::Generator& generator) {
  return torch::randn(shape, generator, torch::TensorOptions(torch::kFloat32));
}

TensorToWrite tensorToWrite(const std::string& name, const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kFloat32).contiguous();
  TensorToWrite w;
  w.name = name;
  w.dtype = DType::F32;
  w.shape = c.sizes().vec();
  const auto* p = static_cast<const uint8_t*>(c.data_ptr());
  w.bytes.assign(p, p + c.numel() * sizeof(float));
  return w;
}

std::string underscored(std::string s) {
  for (char& c : s)
    if (c == '.') c = '_';
  return s;
}

// One diffusers layer holding rows [offset, offset + rows) of a BFL layer.
struct DiffusersPart {
  std::string name;
  int64_t offset = 0, rows = 0;
  bool swapHalves = false;
};

// Written out by hand from diffusers' FluxTransformer2DModel (not through
// the engine's rules), so the test checks the engine's mapping.
std::vector<DiffusersPart> diffusersParts(const std::string& module, int64_t hidden, int64_t out) {
  auto whole = [&](const std::string& name) { return std::vector<DiffusersPart>{{name, 0, out}}; };
  auto qkv = [&](const std::string& head, const char* q, const char* k, const char* v) {
    return std::vector<DiffusersPart>{
        {head + q, 0, hidden}, {head + k, hidden, hidden}, {head + v, 2 * hidden, hidden}};
  };
  for (const char* kind : {"double_blocks.", "single_blocks."}) {
    if (module.rfind(kind, 0) != 0) continue;
    const size_t dot = module.find('.', std::strlen(kind));
    const std::string index = module.substr(std::strlen(kind), dot - std::strlen(kind));
    const std::string rest = module.substr(dot + 1);
    if (std::strcmp(kind, "double_blocks.") == 0) {
      const std::string head = "transformer_blocks." + index + ".";
      if (rest == "img_attn.qkv") return qkv(head, "attn.to_q", "attn.to_k", "attn.to_v");
      if (rest == "txt_attn.qkv")
        return qkv(head, "attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj");
      const std::map<std::string, std::string> single = {
          {"img_attn.proj", "attn.to_out.0"},     {"txt_attn.proj", "attn.to_add_out"},
          {"img_mlp.0", "ff.net.0.proj"},         {"img_mlp.2", "ff.net.2"},
          {"txt_mlp.0", "ff_context.net.0.proj"}, {"txt_mlp.2", "ff_context.net.2"},
          {"img_mod.lin", "norm1.linear"},        {"txt_mod.lin", "norm1_context.linear"}};
      return whole(head + single.at(rest));
    }
    const std::string head = "single_transformer_blocks." + index + ".";
    if (rest == "linear1") {
      auto parts = qkv(head, "attn.to_q", "attn.to_k", "attn.to_v");
      parts.push_back({head + "proj_mlp", 3 * hidden, out - 3 * hidden});
      return parts;
    }
    if (rest == "linear2") return whole(head + "proj_out");
    if (rest == "modulation.lin") return whole(head + "norm.linear");
    ADD_FAILURE() << "no diffusers name for " << module;
  }
  const std::map<std::string, std::string> top = {
      {"img_in", "x_embedder"},
      {"txt_in", "context_embedder"},
      {"time_in.in_layer", "time_text_embed.timestep_embedder.linear_1"},
      {"time_in.out_layer", "time_text_embed.timestep_embedder.linear_2"},
      {"vector_in.in_layer", "time_text_embed.text_embedder.linear_1"},
      {"vector_in.out_layer", "time_text_embed.text_embedder.linear_2"},
      {"guidance_in.in_layer", "time_text_embed.guidance_embedder.linear_1"},
      {"guidance_in.out_layer", "time_text_embed.guidance_embedder.linear_2"},
      {"final_layer.linear", "proj_out"}};
  if (module == "final_layer.adaLN_modulation.1") return {{"norm_out.linear", 0, out, true}};
  return whole(top.at(module));
}

std::map<std::string, DenseImpl*> denseModules(FluxModel& model) {
  std::map<std::string, DenseImpl*> out;
  for (const auto& item : model->named_modules("", false))
    if (auto* dense = dynamic_cast<DenseImpl*>(item.value().get())) out.emplace(item.key(), dense);
  return out;
}

}  // namespace

TinyInputs tinyInputs() {
  auto generator = at::detail::createCPUGenerator(99);
  TinyInputs in;
  in.img = randn({1, 6, 64}, generator);
  in.imgIds = torch::zeros({1, 6, 3});
  for (int64_t i = 0; i < 6; ++i) {
    in.imgIds[0][i][1] = i / 3;
    in.imgIds[0][i][2] = i % 3;
  }
  in.txt = randn({1, 5, 12}, generator);
  in.txtIds = torch::zeros({1, 5, 3});
  in.timesteps = torch::full({1}, 0.7);
  in.y = randn({1, 8}, generator);
  in.guidance = torch::full({1}, 3.5);
  return in;
}

torch::Tensor runModel(FluxModel& model, const TinyInputs& in) {
  torch::NoGradGuard noGrad;
  return model->forward(in.img, in.imgIds, in.txt, in.txtIds, in.timesteps, in.y, in.guidance)
      .to(torch::kFloat32);
}

torch::Tensor LayerDelta::weightDelta() const {
  return (alpha / static_cast<float>(down.size(0))) * up.matmul(down);  // (out, rank) @ (rank, in)
}

std::vector<std::string> allDenseModules(FluxModel& model) {
  std::vector<std::string> names;
  for (const auto& entry : denseModules(model)) names.push_back(entry.first);
  return names;
}

LoraDelta randomDelta(FluxModel& model, const std::vector<std::string>& modules, int64_t rank,
                      float alpha, uint64_t seed) {
  auto generator = at::detail::createCPUGenerator(seed);
  const auto layers = denseModules(model);
  LoraDelta delta;
  for (const auto& name : modules) {
    const DenseImpl* dense = layers.at(name);
    LayerDelta d;
    d.down = randn({rank, dense->inFeatures()}, generator) * 0.3;
    d.up = randn({dense->weight.size(0), rank}, generator) * 0.1;
    d.alpha = alpha;
    delta.emplace(name, d);
  }
  return delta;
}

void writeLora(const std::string& path, const LoraDelta& delta, LoraNaming naming,
               FluxModel& model) {
  std::vector<TensorToWrite> tensors;
  const int64_t hidden = model->params().hidden_size;
  for (const auto& [module, d] : delta) {
    switch (naming) {
      case LoraNaming::Kohya: {
        const std::string head = "lora_unet_" + underscored(module);
        tensors.push_back(tensorToWrite(head + ".lora_down.weight", d.down));
        tensors.push_back(tensorToWrite(head + ".lora_up.weight", d.up));
        tensors.push_back(tensorToWrite(head + ".alpha", torch::tensor(d.alpha)));
        break;
      }
      case LoraNaming::BflLoraAB:
      case LoraNaming::BflLoraDownUp: {
        const bool ab = naming == LoraNaming::BflLoraAB;
        const std::string head = "diffusion_model." + module;
        tensors.push_back(
            tensorToWrite(head + (ab ? ".lora_A.weight" : ".lora_down.weight"), d.down));
        tensors.push_back(tensorToWrite(head + (ab ? ".lora_B.weight" : ".lora_up.weight"), d.up));
        tensors.push_back(tensorToWrite(head + ".alpha", torch::tensor(d.alpha)));
        break;
      }
      case LoraNaming::Diffusers: {
        // PEFT files carry no alpha: alpha / rank goes into up.
        const torch::Tensor up = d.up * (d.alpha / static_cast<float>(d.down.size(0)));
        for (const auto& part : diffusersParts(module, hidden, d.up.size(0))) {
          torch::Tensor rows = up.narrow(0, part.offset, part.rows);
          if (part.swapHalves) {  // diffusers keeps norm_out as [scale; shift]
            const int64_t half = rows.size(0) / 2;
            rows = torch::cat({rows.narrow(0, half, half), rows.narrow(0, 0, half)});
          }
          const std::string head = "transformer." + part.name;
          tensors.push_back(tensorToWrite(head + ".lora_A.weight", d.down));
          tensors.push_back(tensorToWrite(head + ".lora_B.weight", rows));
        }
        break;
      }
      case LoraNaming::XLabs: {
        // XLabs files have no alpha either.
        const torch::Tensor up = d.up * (d.alpha / static_cast<float>(d.down.size(0)));
        const std::map<std::string, std::string> processors = {{"img_attn.qkv", "qkv_lora1"},
                                                               {"txt_attn.qkv", "qkv_lora2"},
                                                               {"img_attn.proj", "proj_lora1"},
                                                               {"txt_attn.proj", "proj_lora2"}};
        const size_t dot = module.find('.', std::strlen("double_blocks."));
        const std::string head =
            module.substr(0, dot) + ".processor." + processors.at(module.substr(dot + 1));
        tensors.push_back(tensorToWrite(head + ".down.weight", d.down));
        tensors.push_back(tensorToWrite(head + ".up.weight", up));
        break;
      }
    }
  }
  Status status = writeSafetensors(path, tensors);
  ASSERT_TRUE(status.ok()) << status.error().message;
}

FluxModel mergedModel(FluxModel& model,
                      const std::vector<std::pair<const LoraDelta*, double>>& deltas) {
  torch::NoGradGuard noGrad;
  FluxModel merged(model->params());
  const auto source = denseModules(model);
  const auto target = denseModules(merged);
  auto params = model->named_parameters();
  for (auto& p : merged->named_parameters()) {
    const std::string& name = p.key();
    const bool denseWeight = name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0 &&
                             source.count(name.substr(0, name.size() - 7));
    if (!denseWeight) p.value().copy_(params[name].to(torch::kFloat32));  // biases, norm scales
  }
  // Dense weights as the layers compute with them (quantized blocks expanded).
  for (const auto& [name, dense] : source)
    target.at(name)->weight.copy_(dense->weightIn(torch::kFloat32));
  for (const auto& [delta, scale] : deltas)
    for (const auto& [name, d] : *delta) target.at(name)->weight.add_(d.weightDelta(), scale);
  return merged;
}

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

}  // namespace fd::test
