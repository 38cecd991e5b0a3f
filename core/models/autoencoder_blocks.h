#pragma once
// Building blocks of the FLUX autoencoder (flux.modules.autoencoder), with the
// reference's submodule names so the official state dict loads strictly:
// ResnetBlock {norm1, conv1, norm2, conv2, [nin_shortcut]}, AttnBlock {norm, q,
// k, v, proj_out}, Downsample {conv}, Upsample {conv}.
//
// Forward passes are written for inference on large images: in-place ops are
// used only on tensors created inside the block (never on the caller's input),
// so a caller may keep or capture any tensor it passed in.

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "tensor/layers.h"

namespace fd {

// Where a forward pass leaves copies of its intermediates (golden runs and
// debugging); `tensors == nullptr` keeps nothing and costs nothing.
struct CaptureTarget {
  std::map<std::string, torch::Tensor>* tensors = nullptr;
  std::string prefix;  // e.g. "encoder."
  void record(const std::string& name, const torch::Tensor& value) const;
};

// Conv2d with bias, square kernel, symmetric padding.
Conv2dLayer makeAutoencoderConv(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                                int64_t padding);

// GroupNorm(32 groups, eps 1e-6, affine) with parameters "weight" and
// "bias" like torch.nn.GroupNorm. On the CPU it always normalises contiguous
// float32 data: bfloat16/float16 inputs are converted a slice of groups at a
// time. LibTorch 1.13's CPU kernels are wrong in bfloat16 on the channels-last
// tensors oneDNN's bfloat16 convolutions return (errors as large as the
// values), several ulps off in bfloat16 on contiguous ones, and ~1e-3 off in
// float32 on channels-last ones. Later versions are not verified here, so
// this path is kept for every version. CUDA uses the native kernel.
class GroupNorm32Impl : public torch::nn::Module {
 public:
  explicit GroupNorm32Impl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& x);  // (B, C, H, W) -> same shape and dtype

 private:
  torch::Tensor weight_, bias_;  // (C)
};
TORCH_MODULE(GroupNorm32);

GroupNorm32 makeAutoencoderNorm(int64_t channels);

// swish(x) = x * sigmoid(x), in place on a tensor the caller owns.
torch::Tensor& swishInPlace(torch::Tensor& x);

// Single-head attention over (B, L, C) tokens, scale 1/sqrt(C), without ever
// holding the whole (L, L) score matrix: LibTorch's fused kernels through
// tensor/precision_ops.h's attention.
torch::Tensor singleHeadAttention(const torch::Tensor& q, const torch::Tensor& k,
                                  const torch::Tensor& v);  // (B, L, C) each -> (B, L, C)

class ResnetBlockImpl : public torch::nn::Module {
 public:
  ResnetBlockImpl(int64_t inChannels, int64_t outChannels);
  torch::Tensor forward(const torch::Tensor& x);  // (B, Cin, H, W) -> (B, Cout, H, W)

 private:
  GroupNorm32 norm1_{nullptr}, norm2_{nullptr};
  Conv2dLayer conv1_{nullptr}, conv2_{nullptr};
  Conv2dLayer ninShortcut_{nullptr};  // 1x1, only when Cin != Cout
};
TORCH_MODULE(ResnetBlock);

class AttnBlockImpl : public torch::nn::Module {
 public:
  explicit AttnBlockImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& x);  // (B, C, H, W) -> (B, C, H, W)

 private:
  GroupNorm32 norm_{nullptr};
  Conv2dLayer q_{nullptr}, k_{nullptr}, v_{nullptr}, projOut_{nullptr};  // 1x1 convs
};
TORCH_MODULE(AttnBlock);

// Pads (left 0, right 1, top 0, bottom 1) with zeros, then a 3x3 stride-2
// conv without padding: (B, C, H, W) -> (B, C, H/2, W/2) for even H, W.
class DownsampleImpl : public torch::nn::Module {
 public:
  explicit DownsampleImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  Conv2dLayer conv_{nullptr};
};
TORCH_MODULE(Downsample);

// Nearest-neighbour x2 then a 3x3 conv (padding 1): (B, C, H, W) -> (B, C, 2H, 2W).
class UpsampleImpl : public torch::nn::Module {
 public:
  explicit UpsampleImpl(int64_t channels);
  torch::Tensor forward(torch::Tensor x);  // by value: the input is released before the conv

 private:
  Conv2dLayer conv_{nullptr};
};
TORCH_MODULE(Upsample);

// encoder.mid / decoder.mid: block_1, attn_1, block_2 at the lowest resolution.
class MidBlockImpl : public torch::nn::Module {
 public:
  explicit MidBlockImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& x, const CaptureTarget& capture);  // "mid.*"

 private:
  ResnetBlock block1_{nullptr};
  AttnBlock attn1_{nullptr};
  ResnetBlock block2_{nullptr};
};
TORCH_MODULE(MidBlock);

// One resolution level: ResnetBlocks under "block.J" and, except at the last
// level, a resampler ("downsample" in the encoder, "upsample" in the decoder).
class ResolutionLevelImpl : public torch::nn::Module {
 public:
  enum class Resample { None, Down, Up };
  ResolutionLevelImpl(int64_t inChannels, int64_t outChannels, int64_t numBlocks,
                      Resample resample);
  // `name`: "down.L" or "up.L", for the captured intermediates.
  torch::Tensor forward(torch::Tensor x, const CaptureTarget& capture, const std::string& name);

 private:
  std::vector<ResnetBlock> blocks_;
  Downsample downsample_{nullptr};
  Upsample upsample_{nullptr};
};
TORCH_MODULE(ResolutionLevel);

}  // namespace fd
