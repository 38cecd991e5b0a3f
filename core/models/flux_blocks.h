#pragma once
// The three block types of the FLUX transformer: double-stream blocks
// (separate image and text weights, joint attention), single-stream blocks
// (one fused stream [txt; img]) and the final layer.

#include <torch/torch.h>

#include <utility>

#include "models/flux_layers.h"

namespace fd {

class DoubleStreamBlockImpl : public torch::nn::Module {
 public:
  DoubleStreamBlockImpl(int64_t hidden, int64_t numHeads, double mlpRatio, bool qkvBias,
                        const torch::TensorOptions& options);
  // img (B, L_img, hidden), txt (B, L_txt, hidden), vec (B, hidden),
  // pe (B, 1, L_txt + L_img, D/2, 2, 2) -> new (img, txt).
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& img,
                                                  const torch::Tensor& txt,
                                                  const torch::Tensor& vec,
                                                  const torch::Tensor& pe);

 private:
  Modulation imgMod_{nullptr}, txtMod_{nullptr};
  SelfAttention imgAttn_{nullptr}, txtAttn_{nullptr};
  GeluMlp imgMlp_{nullptr}, txtMlp_{nullptr};
};
TORCH_MODULE(DoubleStreamBlock);

class SingleStreamBlockImpl : public torch::nn::Module {
 public:
  SingleStreamBlockImpl(int64_t hidden, int64_t numHeads, double mlpRatio,
                        const torch::TensorOptions& options);
  // x (B, L_txt + L_img, hidden) -> same shape.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& vec, const torch::Tensor& pe);

 private:
  int64_t hidden_, mlpHidden_, numHeads_;
  Dense linear1_{nullptr}, linear2_{nullptr};
  QKNorm norm_{nullptr};
  Modulation modulation_{nullptr};
};
TORCH_MODULE(SingleStreamBlock);

// adaLN_modulation = Sequential(SiLU, Linear): its Linear is child "1".
class AdaLnModulationImpl : public torch::nn::Module {
 public:
  AdaLnModulationImpl(int64_t hidden, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& vec) const;  // (B, 2*hidden)

 private:
  Dense linear_{nullptr};
};
TORCH_MODULE(AdaLnModulation);

class LastLayerImpl : public torch::nn::Module {
 public:
  LastLayerImpl(int64_t hidden, int64_t outChannels, const torch::TensorOptions& options);
  // x (B, L_img, hidden), vec (B, hidden) -> (B, L_img, outChannels).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& vec);

 private:
  Dense linear_{nullptr};
  AdaLnModulation adaLnModulation_{nullptr};
};
TORCH_MODULE(LastLayer);

}  // namespace fd
