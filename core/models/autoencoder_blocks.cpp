#include "models/autoencoder_blocks.h"

#include <algorithm>

#include "tensor/precision_ops.h"

namespace fd {

void CaptureTarget::record(const std::string& name, const torch::Tensor& value) const {
  if (tensors) (*tensors)[prefix + name] = value.detach().clone();
}

namespace {

namespace F = torch::nn::functional;

Conv2dLayer conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding) {
  return makeAutoencoderConv(in, out, kernel, stride, padding);
}

}  // namespace

Conv2dLayer makeAutoencoderConv(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                                int64_t padding) {
  return Conv2dLayer(in, out, kernel, stride, padding);
}

// --- GroupNorm32 -------------------------------------------------------------

constexpr int64_t kNormGroups = 32;
constexpr double kNormEps = 1e-6;

GroupNorm32Impl::GroupNorm32Impl(int64_t channels) {
  TORCH_CHECK(channels > 0 && channels % kNormGroups == 0, "GroupNorm: ", channels,
              " channels cannot form ", kNormGroups, " groups");
  weight_ = register_parameter("weight", torch::ones({channels}));
  bias_ = register_parameter("bias", torch::zeros({channels}));
}

torch::Tensor GroupNorm32Impl::forward(const torch::Tensor& x) {
  if (!x.is_cpu())
    return torch::group_norm(x, kNormGroups, castTo(weight_, x.scalar_type()),
                             castTo(bias_, x.scalar_type()), kNormEps);
  const bool reduced = x.scalar_type() == torch::kBFloat16 || x.scalar_type() == torch::kHalf;
  if (!reduced) {
    // The CPU kernel for channels-last input sums in a way that loses ~1e-3
    // at 512x512 (LibTorch 1.13); the contiguous one is exact to float32.
    return torch::group_norm(x.contiguous(), kNormGroups, castTo(weight_, x.scalar_type()),
                             castTo(bias_, x.scalar_type()), kNormEps);
  }
  // Groups are independent: normalise (image, slice of groups) pieces as
  // contiguous float32 copies of at most ~16M elements.
  const int64_t channels = x.size(1), perGroup = channels / kNormGroups;
  const int64_t pixels = x.numel() / std::max<int64_t>(1, x.size(0) * channels);
  const int64_t groupsPerSlice = std::clamp<int64_t>(
      (int64_t{1} << 24) / std::max<int64_t>(1, perGroup * pixels), 1, kNormGroups);
  const torch::Tensor weight = weight_.to(torch::kFloat), bias = bias_.to(torch::kFloat);  // (C)
  torch::Tensor out = torch::empty_like(x);  // (B, C, H, W)
  for (int64_t b = 0; b < x.size(0); ++b) {
    for (int64_t g = 0; g < kNormGroups; g += groupsPerSlice) {
      const int64_t groups = std::min(groupsPerSlice, kNormGroups - g);
      const int64_t c0 = g * perGroup, n = groups * perGroup;
      const torch::Tensor piece = x.narrow(0, b, 1).narrow(1, c0, n).to(
          torch::kFloat, false, false, torch::MemoryFormat::Contiguous);  // (1, n, H, W)
      out.narrow(0, b, 1).narrow(1, c0, n).copy_(torch::group_norm(
          piece, groups, weight.narrow(0, c0, n), bias.narrow(0, c0, n), kNormEps));
    }
  }
  return out;
}

GroupNorm32 makeAutoencoderNorm(int64_t channels) { return GroupNorm32(channels); }

torch::Tensor& swishInPlace(torch::Tensor& x) {
  // silu(x) = x * sigmoid(x) without a second full-size tensor.
  return torch::silu_(x);
}

torch::Tensor singleHeadAttention(const torch::Tensor& q, const torch::Tensor& k,
                                  const torch::Tensor& v) {
  // One head: (B, 1, L, C), scale 1/sqrt(C).
  const torch::Tensor q4 = q.unsqueeze(1), k4 = k.unsqueeze(1), v4 = v.unsqueeze(1);
  torch::Tensor out = attention(q4, k4, v4);  // (B, 1, L, C)
  return out.squeeze(1);                      // (B, L, C)
}

// --- ResnetBlock ------------------------------------------------------------

ResnetBlockImpl::ResnetBlockImpl(int64_t inChannels, int64_t outChannels) {
  norm1_ = register_module("norm1", makeAutoencoderNorm(inChannels));
  conv1_ = register_module("conv1", conv(inChannels, outChannels, 3, 1, 1));
  norm2_ = register_module("norm2", makeAutoencoderNorm(outChannels));
  conv2_ = register_module("conv2", conv(outChannels, outChannels, 3, 1, 1));
  if (inChannels != outChannels) {
    ninShortcut_ = register_module("nin_shortcut", conv(inChannels, outChannels, 1, 1, 0));
  }
}

torch::Tensor ResnetBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = norm1_(x);  // (B, Cin, H, W)
  swishInPlace(h);
  h = conv1_(h);  // (B, Cout, H, W); the normalised copy is released here
  h = norm2_(h);
  swishInPlace(h);
  h = conv2_(h);  // (B, Cout, H, W)
  // Reference: x + h (the sum is the same in either order).
  if (ninShortcut_) return h.add_(ninShortcut_(x));
  return h.add_(x);
}

// --- AttnBlock --------------------------------------------------------------

AttnBlockImpl::AttnBlockImpl(int64_t channels) {
  norm_ = register_module("norm", makeAutoencoderNorm(channels));
  q_ = register_module("q", conv(channels, channels, 1, 1, 0));
  k_ = register_module("k", conv(channels, channels, 1, 1, 0));
  v_ = register_module("v", conv(channels, channels, 1, 1, 0));
  projOut_ = register_module("proj_out", conv(channels, channels, 1, 1, 0));
}

torch::Tensor AttnBlockImpl::forward(const torch::Tensor& x) {
  const int64_t batch = x.size(0), channels = x.size(1), height = x.size(2), width = x.size(3);
  torch::Tensor h = norm_(x);  // (B, C, H, W)
  // 'b c h w -> b (h w) c'
  auto tokens = [](const torch::Tensor& t) { return t.flatten(2).transpose(1, 2).contiguous(); };
  torch::Tensor q = tokens(q_(h));  // (B, HW, C)
  torch::Tensor k = tokens(k_(h));  // (B, HW, C)
  torch::Tensor v = tokens(v_(h));  // (B, HW, C)
  h = torch::Tensor();
  torch::Tensor attended = singleHeadAttention(q, k, v);  // (B, HW, C)
  q = k = v = torch::Tensor();
  // 'b (h w) c -> b c h w'
  attended = attended.transpose(1, 2).reshape({batch, channels, height, width});
  return projOut_(attended).add_(x);  // x + proj_out(attention)
}

// --- Downsample / Upsample --------------------------------------------------

DownsampleImpl::DownsampleImpl(int64_t channels) {
  conv_ = register_module("conv", conv(channels, channels, 3, 2, 0));
}

torch::Tensor DownsampleImpl::forward(const torch::Tensor& x) {
  // F.pad order is (left, right, top, bottom): one zero column right, one row below.
  torch::Tensor padded = torch::constant_pad_nd(x, {0, 1, 0, 1}, 0);  // (B, C, H+1, W+1)
  return conv_(padded);                                               // (B, C, H/2, W/2)
}

UpsampleImpl::UpsampleImpl(int64_t channels) {
  conv_ = register_module("conv", conv(channels, channels, 3, 1, 1));
}

torch::Tensor UpsampleImpl::forward(torch::Tensor x) {
  torch::Tensor up = F::interpolate(x, F::InterpolateFuncOptions()
                                           .scale_factor(std::vector<double>{2.0, 2.0})
                                           .mode(torch::kNearest));  // (B, C, 2H, 2W)
  x = torch::Tensor();  // a caller that moved its tensor in frees it now
  return conv_(up);
}

// --- MidBlock / ResolutionLevel --------------------------------------------

MidBlockImpl::MidBlockImpl(int64_t channels) {
  block1_ = register_module("block_1", ResnetBlock(channels, channels));
  attn1_ = register_module("attn_1", AttnBlock(channels));
  block2_ = register_module("block_2", ResnetBlock(channels, channels));
}

torch::Tensor MidBlockImpl::forward(const torch::Tensor& x, const CaptureTarget& capture) {
  torch::Tensor h = block1_(x);  // (B, C, h, w)
  capture.record("mid.block_1", h);
  h = attn1_(h);
  capture.record("mid.attn_1", h);
  h = block2_(h);
  capture.record("mid.block_2", h);
  return h;
}

ResolutionLevelImpl::ResolutionLevelImpl(int64_t inChannels, int64_t outChannels, int64_t numBlocks,
                                         Resample resample) {
  // A ModuleList names its children "0", "1", ...: with this module around it
  // the keys read "down.L.block.J.*" like the reference's nn.Module per level.
  auto list = register_module("block", torch::nn::ModuleList());
  for (int64_t j = 0; j < numBlocks; ++j) {
    blocks_.push_back(ResnetBlock(j == 0 ? inChannels : outChannels, outChannels));
    list->push_back(blocks_.back());
  }
  if (resample == Resample::Down)
    downsample_ = register_module("downsample", Downsample(outChannels));
  if (resample == Resample::Up) upsample_ = register_module("upsample", Upsample(outChannels));
}

torch::Tensor ResolutionLevelImpl::forward(torch::Tensor x, const CaptureTarget& capture,
                                           const std::string& name) {
  for (size_t j = 0; j < blocks_.size(); ++j) {
    x = blocks_[j](x);  // the previous activation is released on assignment
    capture.record(name + ".block." + std::to_string(j), x);
  }
  if (downsample_) {
    x = downsample_(x);
    capture.record(name + ".downsample", x);
  }
  if (upsample_) {
    x = upsample_->forward(std::move(x));
    capture.record(name + ".upsample", x);
  }
  return x;
}

}  // namespace fd
