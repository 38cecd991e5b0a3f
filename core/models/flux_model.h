#pragma once
// The FLUX rectified-flow transformer (flux.model.Flux of the reference).
// Depth, width and head count come from FluxParams, so the 12B models and
// the tiny golden models run through the same code. Parameters carry the
// official key names: named_parameters() equals the checkpoint's keys, and
// loadModuleWeights fills the model strictly, converting once to the model
// dtype.

#include <torch/torch.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/flux_blocks.h"
#include "models/flux_layers.h"
#include "weights/architecture.h"

namespace fd {

class FluxModelImpl : public torch::nn::Module {
 public:
  // Parameters are allocated uninitialised with `options` (dtype, device):
  // allocate them in the target dtype so that loading does not need a
  // float32 copy of a 12B model first. Throws c10::Error on inconsistent
  // params (hidden_size not divisible by num_heads, axes_dim not summing to
  // the head dim).
  explicit FluxModelImpl(const FluxParams& params,
                         const torch::TensorOptions& options = torch::TensorOptions());

  // img (B, L_img, in_ch), img_ids (B, L_img, 3) float32, txt (B, L_txt, ctx),
  // txt_ids (B, L_txt, 3) float32, timesteps (B,), y (B, vec_in_dim),
  // guidance (B,) or undefined -> (B, L_img, out_ch) in the model dtype.
  // Float inputs are cast to the model dtype (as the reference's denoise
  // builds them), everything is moved to the model's compute device.
  torch::Tensor forward(const torch::Tensor& img, const torch::Tensor& img_ids,
                        const torch::Tensor& txt, const torch::Tensor& txt_ids,
                        const torch::Tensor& timesteps, const torch::Tensor& y,
                        const torch::Tensor& guidance = {});

  const FluxParams& params() const { return params_; }
  // The activations' dtype: the weights' unless set. Float32 with bfloat16
  // weights on CPUs without fast bfloat16 products (tensor/precision_ops.h).
  torch::ScalarType dtype() const;
  void setComputeDtype(torch::ScalarType dtype) { computeDtype_ = dtype; }
  torch::Device device() const;  // where the embedders and the final layer live

  // Golden intermediates, named as in the golden README ("intermediate.img_in",
  // "intermediate.double_blocks.0.img", ...). nullptr switches capture off.
  void setCapture(std::map<std::string, torch::Tensor>* capture) { capture_ = capture; }

  // Memory mode "stream blocks": the blocks' parameters live on the CPU
  // (pinned when computeDevice is CUDA) and each block is copied to
  // computeDevice just before it runs and dropped there after; embedders and
  // the final layer move to computeDevice. nullopt moves the blocks back to
  // the previous compute device (all resident).
  void setBlockStreaming(std::optional<torch::Device> computeDevice);
  std::optional<torch::Device> blockStreamingDevice() const { return streamDevice_; }

 private:
  void record(const std::string& name, const torch::Tensor& value) const;

  FluxParams params_;
  std::optional<torch::ScalarType> computeDtype_;
  Dense imgIn_{nullptr};
  MLPEmbedder timeIn_{nullptr}, vectorIn_{nullptr}, guidanceIn_{nullptr};
  Dense txtIn_{nullptr};
  std::vector<DoubleStreamBlock> doubleBlocks_;
  std::vector<SingleStreamBlock> singleBlocks_;
  LastLayer finalLayer_{nullptr};

  std::map<std::string, torch::Tensor>* capture_ = nullptr;
  std::optional<torch::Device> streamDevice_;
};
TORCH_MODULE(FluxModel);

}  // namespace fd
