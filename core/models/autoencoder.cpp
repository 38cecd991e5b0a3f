#include "models/autoencoder.h"

#include <string>
#include <utility>

namespace fd {
namespace {

// Constructor-time checks, so a bad config fails with the field's name
// instead of a shape error deep inside a forward pass.
void validateParams(const AutoEncoderParams& p) {
  TORCH_CHECK(!p.ch_mult.empty(), "AutoEncoderParams.ch_mult must not be empty");
  TORCH_CHECK(p.ch > 0, "AutoEncoderParams.ch must be positive, got ", p.ch);
  for (int64_t m : p.ch_mult) {
    TORCH_CHECK(m > 0 && (p.ch * m) % 32 == 0, "AutoEncoderParams: ch * ch_mult (", p.ch, " * ", m,
                ") must be a positive multiple of 32 (GroupNorm uses 32 groups)");
  }
  TORCH_CHECK(p.num_res_blocks >= 1, "AutoEncoderParams.num_res_blocks must be >= 1, got ",
              p.num_res_blocks);
  TORCH_CHECK(p.z_channels > 0, "AutoEncoderParams.z_channels must be positive");
  TORCH_CHECK(p.in_channels > 0 && p.out_ch > 0,
              "AutoEncoderParams.in_channels and out_ch must be positive");
  TORCH_CHECK(p.scale_factor != 0.0, "AutoEncoderParams.scale_factor must not be 0");
}

std::string levelName(const char* kind, size_t level) {
  return std::string(kind) + "." + std::to_string(level);
}

}  // namespace

// --- Encoder ----------------------------------------------------------------

EncoderImpl::EncoderImpl(const AutoEncoderParams& p) {
  const auto& mult = p.ch_mult;
  convIn_ = register_module("conv_in", makeAutoencoderConv(p.in_channels, p.ch, 3, 1, 1));
  auto down = register_module("down", torch::nn::ModuleList());
  int64_t blockIn = p.ch;
  for (size_t level = 0; level < mult.size(); ++level) {
    const int64_t blockOut = p.ch * mult[level];
    const bool last = level + 1 == mult.size();
    levels_.push_back(ResolutionLevel(
        blockIn, blockOut, p.num_res_blocks,
        last ? ResolutionLevelImpl::Resample::None : ResolutionLevelImpl::Resample::Down));
    down->push_back(levels_.back());
    blockIn = blockOut;
  }
  mid_ = register_module("mid", MidBlock(blockIn));
  normOut_ = register_module("norm_out", makeAutoencoderNorm(blockIn));
  convOut_ = register_module("conv_out", makeAutoencoderConv(blockIn, 2 * p.z_channels, 3, 1, 1));
}

torch::Tensor EncoderImpl::forward(const torch::Tensor& image, const CaptureTarget& capture) {
  torch::Tensor h = convIn_(image);  // (B, ch, H, W)
  capture.record("conv_in", h);
  for (size_t level = 0; level < levels_.size(); ++level) {
    h = levels_[level]->forward(std::move(h), capture, levelName("down", level));
  }
  h = mid_->forward(h, capture);  // (B, C_last, h, w)
  h = normOut_(h);
  capture.record("norm_out", h);
  swishInPlace(h);
  h = convOut_(h);  // (B, 2*z, h, w)
  capture.record("conv_out", h);
  return h;
}

// --- Decoder ----------------------------------------------------------------

DecoderImpl::DecoderImpl(const AutoEncoderParams& p) {
  const auto& mult = p.ch_mult;
  int64_t blockIn = p.ch * mult.back();
  convIn_ = register_module("conv_in", makeAutoencoderConv(p.z_channels, blockIn, 3, 1, 1));
  mid_ = register_module("mid", MidBlock(blockIn));
  // Built from the lowest resolution up (channel counts flow that way), but
  // stored by resolution level like the reference's `self.up.insert(0, up)`.
  levels_.resize(mult.size(), nullptr);
  for (size_t level = mult.size(); level-- > 0;) {
    const int64_t blockOut = p.ch * mult[level];
    levels_[level] = ResolutionLevel(
        blockIn, blockOut, p.num_res_blocks + 1,
        level == 0 ? ResolutionLevelImpl::Resample::None : ResolutionLevelImpl::Resample::Up);
    blockIn = blockOut;
  }
  auto up = register_module("up", torch::nn::ModuleList());
  for (auto& level : levels_) up->push_back(level);
  normOut_ = register_module("norm_out", makeAutoencoderNorm(blockIn));
  convOut_ = register_module("conv_out", makeAutoencoderConv(blockIn, p.out_ch, 3, 1, 1));
}

torch::Tensor DecoderImpl::forward(const torch::Tensor& z, const CaptureTarget& capture) {
  torch::Tensor h = convIn_(z);  // (B, C_last, h, w)
  capture.record("conv_in", h);
  h = mid_->forward(h, capture);
  for (size_t level = levels_.size(); level-- > 0;) {
    h = levels_[level]->forward(std::move(h), capture, levelName("up", level));
  }
  h = normOut_(h);  // (B, ch, H, W)
  capture.record("norm_out", h);
  swishInPlace(h);
  h = convOut_(h);  // (B, out_ch, H, W)
  capture.record("conv_out", h);
  return h;
}

// --- AutoEncoder ------------------------------------------------------------

AutoEncoderImpl::AutoEncoderImpl(const AutoEncoderParams& params) : params_(params) {
  validateParams(params_);
  if (params_.has_encoder) encoder_ = register_module("encoder", Encoder(params_));
  decoder_ = register_module("decoder", Decoder(params_));
}

int64_t AutoEncoderImpl::downsamplingFactor() const {
  return int64_t{1} << (params_.ch_mult.size() - 1);
}

torch::Tensor AutoEncoderImpl::toModel(const torch::Tensor& input) const {
  const torch::Tensor reference = parameters().front();  // any parameter: all share them
  return input.to(reference.device(), computeDtype_.value_or(reference.scalar_type()));
}

torch::Tensor AutoEncoderImpl::encoderMoments(const torch::Tensor& image) {
  TORCH_CHECK(encoder_, "this autoencoder has no encoder (its weights hold the decoder only)");
  const int64_t f = downsamplingFactor();
  TORCH_CHECK(image.dim() == 4 && image.size(1) == params_.in_channels,
              "encode: expected an image of shape (B, ", params_.in_channels, ", H, W), got ",
              image.sizes());
  TORCH_CHECK(
      image.size(2) > 0 && image.size(3) > 0 && image.size(2) % f == 0 && image.size(3) % f == 0,
      "encode: height and width must be positive multiples of ", f, ", got ", image.size(2), "x",
      image.size(3));
  torch::NoGradGuard noGrad;
  return encoder_->forward(toModel(image), CaptureTarget{capture_, "encoder."});  // (B, 2z, h, w)
}

torch::Tensor AutoEncoderImpl::encode(const torch::Tensor& image) {
  torch::NoGradGuard noGrad;
  torch::Tensor moments = encoderMoments(image);                  // (B, 2z, h, w)
  torch::Tensor mean = moments.narrow(1, 0, params_.z_channels);  // (B, z, h, w)
  // Reference: scale_factor * (z - shift_factor); no sampling (sample_z=False).
  return (mean - params_.shift_factor).mul_(params_.scale_factor);
}

torch::Tensor AutoEncoderImpl::decode(const torch::Tensor& z) {
  TORCH_CHECK(z.dim() == 4 && z.size(1) == params_.z_channels && z.size(2) > 0 && z.size(3) > 0,
              "decode: expected a latent of shape (B, ", params_.z_channels, ", h, w), got ",
              z.sizes());
  torch::NoGradGuard noGrad;
  torch::Tensor x = toModel(z) / params_.scale_factor + params_.shift_factor;  // (B, z, h, w)
  CaptureTarget{capture_, ""}.record("decoder_input", x);
  return decoder_->forward(x, CaptureTarget{capture_, "decoder."});  // (B, out_ch, H, W)
}

// --- uint8 conversion -------------------------------------------------------

torch::Tensor imageToRgb8(const torch::Tensor& decoded) {
  TORCH_CHECK(decoded.dim() == 4 && decoded.size(1) == 3,
              "imageToRgb8: expected a decoded image of shape (B, 3, H, W), got ", decoded.sizes());
  torch::NoGradGuard noGrad;
  // float32 like the reference (a bfloat16 decode is widened first, exactly).
  torch::Tensor x = decoded.detach().to(torch::kCPU, torch::kFloat).clamp(-1.0, 1.0);
  x = x.permute({0, 2, 3, 1});             // 'b c h w -> b h w c'
  x = (x + 1.0).mul_(127.5);               // 127.5 * (x + 1), in [0, 255]
  return x.to(torch::kByte).contiguous();  // truncation toward zero, like .byte()
}

torch::Tensor rgb8ToImage(const torch::Tensor& rgb8) {
  TORCH_CHECK(rgb8.scalar_type() == torch::kByte, "rgb8ToImage: expected uint8 pixels, got ",
              rgb8.scalar_type());
  TORCH_CHECK(rgb8.dim() == 3 && rgb8.size(2) == 3,
              "rgb8ToImage: expected an image of shape (H, W, 3), got ", rgb8.sizes());
  torch::Tensor x = rgb8.to(torch::kFloat) / 127.5 - 1.0;  // (H, W, 3) in [-1, 1]
  return x.permute({2, 0, 1}).unsqueeze(0).contiguous();   // (1, 3, H, W)
}

}  // namespace fd
