#pragma once
// The FLUX autoencoder (flux.modules.autoencoder.AutoEncoder): 16-channel
// latents, 8x spatial compression for the official ch_mult. Module tree and
// parameter names are the reference's ("encoder.down.0.block.1.conv1.weight",
// "decoder.up.3.upsample.conv.bias", ...), so loadModuleWeights fills it
// strictly from `ae.safetensors`. Works for any dtype the device supports
// (float32, bfloat16; float16 on CUDA) and any size that is a multiple of the
// downsampling factor.

#include <torch/torch.h>

#include <map>
#include <optional>
#include <string>

#include "models/autoencoder_blocks.h"
#include "tensor/layers.h"
#include "weights/architecture.h"

namespace fd {

// (B, in_channels, H, W) -> (B, 2*z_channels, H/f, W/f), f = 2^(levels-1).
class EncoderImpl : public torch::nn::Module {
 public:
  explicit EncoderImpl(const AutoEncoderParams& params);
  torch::Tensor forward(const torch::Tensor& image, const CaptureTarget& capture);

 private:
  Conv2dLayer convIn_{nullptr}, convOut_{nullptr};
  std::vector<ResolutionLevel> levels_;
  MidBlock mid_{nullptr};
  GroupNorm32 normOut_{nullptr};
};
TORCH_MODULE(Encoder);

// (B, z_channels, h, w) -> (B, out_ch, h*f, w*f); num_res_blocks+1 blocks per
// level, levels stored under "up.L" with L = resolution level (0 = full size).
class DecoderImpl : public torch::nn::Module {
 public:
  explicit DecoderImpl(const AutoEncoderParams& params);
  torch::Tensor forward(const torch::Tensor& z, const CaptureTarget& capture);

 private:
  Conv2dLayer convIn_{nullptr}, convOut_{nullptr};
  MidBlock mid_{nullptr};
  std::vector<ResolutionLevel> levels_;  // index = resolution level
  GroupNorm32 normOut_{nullptr};
};
TORCH_MODULE(Decoder);

class AutoEncoderImpl : public torch::nn::Module {
 public:
  // has_encoder = false builds the decoder only (decode-only checkpoints).
  explicit AutoEncoderImpl(const AutoEncoderParams& params);

  // (B, in_channels, H, W) in [-1, 1] -> scale_factor * (mean - shift_factor),
  // (B, z_channels, H/f, W/f). The input is moved to the model's device and
  // dtype; H and W must be multiples of f = 2^(levels-1) (8 for FLUX).
  torch::Tensor encode(const torch::Tensor& image);
  // Raw encoder output (B, 2*z_channels, h, w): [mean; logvar].
  torch::Tensor encoderMoments(const torch::Tensor& image);
  // decoder(z / scale_factor + shift_factor) -> (B, out_ch, h*f, w*f).
  torch::Tensor decode(const torch::Tensor& z);

  // Every later encode/decode copies its intermediates into `capture` (null:
  // stop). Names are the golden files' without their "intermediate." prefix:
  // "encoder.conv_in", "encoder.down.L.block.J", "encoder.down.L.downsample",
  // "encoder.mid.{block_1,attn_1,block_2}", "encoder.norm_out",
  // "encoder.conv_out", "decoder_input", "decoder.conv_in", "decoder.mid.*",
  // "decoder.up.L.block.J", "decoder.up.L.upsample", "decoder.norm_out",
  // "decoder.conv_out".
  void setCapture(std::map<std::string, torch::Tensor>* capture) { capture_ = capture; }
  const AutoEncoderParams& params() const { return params_; }
  // Pixels per latent position along each axis (8 for FLUX).
  int64_t downsamplingFactor() const;
  // Activations' dtype (default: the weights'). Float32 with bfloat16
  // weights on CPUs without fast bfloat16 products (tensor/precision_ops.h).
  void setComputeDtype(torch::ScalarType dtype) { computeDtype_ = dtype; }

 private:
  torch::Tensor toModel(const torch::Tensor& input) const;  // model device and dtype

  AutoEncoderParams params_;
  std::optional<torch::ScalarType> computeDtype_;
  Encoder encoder_{nullptr};
  Decoder decoder_{nullptr};
  std::map<std::string, torch::Tensor>* capture_ = nullptr;
};
TORCH_MODULE(AutoEncoder);

// The reference's uint8 conversion: clamp(-1, 1), (B, 3, H, W) -> (B, H, W, 3),
// 127.5 * (x + 1) in float32, then truncation (`.byte()` does not round).
// Returns a contiguous CPU uint8 tensor.
torch::Tensor imageToRgb8(const torch::Tensor& decoded);

// For the encoder direction: uint8 (H, W, 3) -> (1, 3, H, W) float32 in
// [-1, 1] as x / 127.5 - 1.
torch::Tensor rgb8ToImage(const torch::Tensor& rgb8);

}  // namespace fd
