#include "sampling/latent_preview.h"

#include "sampling/latent_packing.h"

namespace fd {

namespace {

// Published latent -> RGB approximation for the FLUX.1 autoencoder's 16
// channels (the factors ComfyUI uses for its Flux previews), in the sampler's
// (scaled and shifted) latent space. Rows: latent channels; columns: R, G, B.
constexpr float kLatentRgbFactors[16][3] = {
    {-0.0346f, 0.0244f, 0.0681f},   {0.0034f, 0.0210f, 0.0687f},    {0.0275f, -0.0668f, -0.0433f},
    {-0.0174f, 0.0160f, 0.0617f},   {0.0859f, 0.0721f, 0.0329f},    {0.0004f, 0.0383f, 0.0115f},
    {0.0405f, 0.0861f, 0.0915f},    {-0.0236f, -0.0185f, -0.0259f}, {-0.0245f, 0.0250f, 0.1180f},
    {0.1008f, 0.0755f, -0.0421f},   {-0.0515f, 0.0201f, 0.0011f},   {0.0428f, -0.0012f, -0.0036f},
    {0.0817f, 0.0765f, 0.0749f},    {-0.1264f, -0.0522f, -0.1103f}, {-0.0280f, -0.0881f, -0.0499f},
    {-0.1262f, -0.0982f, -0.0778f},
};
constexpr float kLatentRgbBias[3] = {-0.0329f, -0.0718f, -0.0851f};

}  // namespace

LatentPreview latentPreview(const torch::Tensor& packed, int width, int height) {
  torch::NoGradGuard noGrad;
  auto latent = unpackLatents(packed.to(torch::kFloat32), height, width);  // (B, 16, h, w)
  TORCH_CHECK(latent.size(1) == 16, "latentPreview expects 16 latent channels, got ",
              latent.size(1));
  const auto options = torch::TensorOptions(torch::kFloat32).device(latent.device());
  auto factors =
      torch::from_blob(const_cast<float*>(&kLatentRgbFactors[0][0]), {16, 3}, torch::kFloat32)
          .to(options);
  auto bias =
      torch::from_blob(const_cast<float*>(kLatentRgbBias), {3}, torch::kFloat32).to(options);
  auto rgb =
      torch::matmul(latent.permute({0, 2, 3, 1}), factors) + bias;  // (B, h, w, 3), about [-1, 1]
  auto bytes = ((rgb + 1.0) * 127.5).clamp(0, 255).to(torch::kUInt8).contiguous().cpu();

  LatentPreview preview;
  preview.count = static_cast<int>(bytes.size(0));
  preview.height = static_cast<int>(bytes.size(1));
  preview.width = static_cast<int>(bytes.size(2));
  preview.rgb.assign(bytes.data_ptr<uint8_t>(), bytes.data_ptr<uint8_t>() + bytes.numel());
  return preview;
}

torch::Tensor denoisedEstimate(const torch::Tensor& packedAfterStep,
                               const torch::Tensor& prediction, double t) {
  torch::NoGradGuard noGrad;
  return packedAfterStep.to(torch::kFloat32) -
         prediction.to(torch::kFloat32) * t;  // (B, L_img, 64)
}

}  // namespace fd
