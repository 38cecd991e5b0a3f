#include "sampling/latent_packing.h"

namespace fd {

torch::Tensor packLatents(const torch::Tensor& latent) {
  TORCH_CHECK(latent.dim() == 4, "packLatents expects (B, C, H, W), got ", latent.sizes());
  const int64_t b = latent.size(0), c = latent.size(1), h = latent.size(2), w = latent.size(3);
  TORCH_CHECK(h % 2 == 0 && w % 2 == 0, "packLatents needs an even latent size, got ", h, " x ", w);
  return latent.view({b, c, h / 2, 2, w / 2, 2})
      .permute({0, 2, 4, 1, 3, 5})  // (B, h, w, C, ph, pw)
      .reshape({b, (h / 2) * (w / 2), c * 4});
}

torch::Tensor unpackLatents(const torch::Tensor& packed, int64_t height, int64_t width) {
  TORCH_CHECK(packed.dim() == 3, "unpackLatents expects (B, L, C*4), got ", packed.sizes());
  const int64_t h = (height + 15) / 16, w = (width + 15) / 16;
  const int64_t b = packed.size(0), channels = packed.size(2) / 4;
  TORCH_CHECK(packed.size(1) == h * w && packed.size(2) % 4 == 0, "unpackLatents: ", packed.sizes(),
              " does not hold ", h, " x ", w, " patches of a ", height, " x ", width, " image");
  return packed.reshape({b, h, w, channels, 2, 2})
      .permute({0, 3, 1, 4, 2, 5})  // (B, C, h, ph, w, pw)
      .reshape({b, channels, h * 2, w * 2});
}

torch::Tensor makeImageIds(int64_t batch, int64_t latentH, int64_t latentW, torch::Device device) {
  const int64_t rows = latentH / 2, cols = latentW / 2;
  auto ids = torch::zeros({rows, cols, 3}, torch::kFloat32);
  ids.select(2, 1).add_(torch::arange(rows, torch::kFloat32).unsqueeze(1));
  ids.select(2, 2).add_(torch::arange(cols, torch::kFloat32).unsqueeze(0));
  return ids.reshape({1, rows * cols, 3}).repeat({batch, 1, 1}).to(device);  // (B, L_img, 3)
}

torch::Tensor makeTextIds(int64_t batch, int64_t textLength, torch::Device device) {
  return torch::zeros({batch, textLength, 3}, torch::TensorOptions(torch::kFloat32).device(device));
}

torch::Tensor repeatToBatch(const torch::Tensor& x, int64_t batch) {
  TORCH_CHECK(x.dim() >= 1, "repeatToBatch: a batched tensor is needed");
  if (x.size(0) == batch) return x;
  TORCH_CHECK(x.size(0) == 1, "conditioning has batch ", x.size(0), " but ", batch,
              " images are sampled (must be 1 or ", batch, ")");
  std::vector<int64_t> reps(x.dim(), 1);
  reps[0] = batch;
  return x.repeat(reps);
}

}  // namespace fd
