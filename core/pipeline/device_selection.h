#pragma once
// Where and in which dtype each component runs, from EngineOptions and what
// this LibTorch offers. Engine-internal (torch).

#include <torch/torch.h>

#include <optional>
#include <string>

#include "common/result.h"
#include "pipeline/pipeline.h"

namespace fd {

struct Placement {
  torch::Device device = torch::kCPU;  // compute device
  torch::ScalarType fluxDtype = torch::kBFloat16;
  torch::ScalarType autoencoderDtype = torch::kBFloat16;
  torch::ScalarType clipDtype = torch::kBFloat16;
  torch::ScalarType t5Dtype = torch::kBFloat16;  // never float16 (t5SafeDtype)
  // Weights stay in the dtypes above; on a CPU without fast bfloat16
  // products (tensor/cpu_bf16_probe.h) `auto` computes in float32, upcasting
  // each layer's bfloat16 weights when it runs.
  bool computeInFloat32 = false;
  std::string dtypeReason;  // for people: why these dtypes
  torch::ScalarType computeDtype(torch::ScalarType weights) const {
    return computeInFloat32 && weights == torch::kBFloat16 ? torch::kFloat32 : weights;
  }
  MemoryMode memory = MemoryMode::Resident;  // resolved: never Auto after resolveMemoryMode
  std::string memoryReason;
  // Where the text encoders stay between requests: the compute device when
  // resident, the CPU when they are offloaded after encoding.
  torch::Device textHome = torch::kCPU;
  // Set in StreamBlocks mode on a GPU: transformer blocks live on the CPU
  // and visit this device one at a time.
  std::optional<torch::Device> streamBlocksTo;
};

// BadRequest when the options ask for what this build or machine cannot do
// (cuda without a GPU, float16 on the CPU). The memory mode is set by
// resolveMemoryMode once the weights' sizes are known.
Result<Placement> choosePlacement(const EngineOptions& options);

// Sets the memory mode (and what follows from it: where the text encoders
// live, block streaming) from the option; Auto picks the lightest mode in
// which the weights (file bytes: quantized files count at their size) and a
// working margin fit this machine's RAM, or the GPU's memory.
struct WeightBytes {
  uint64_t transformer = 0, autoencoder = 0, text = 0;  // text: CLIP + T5
};
void resolveMemoryMode(Placement& placement, MemoryMode asked, const WeightBytes& weights);

std::string deviceName(const torch::Device& device);  // "cpu", "cuda:0"
// For people: the GPU's name and memory, or the CPU thread count.
std::string describeDevice(const torch::Device& device);
std::string dtypeName(torch::ScalarType dtype);  // "float32", "bfloat16", "float16"

}  // namespace fd
