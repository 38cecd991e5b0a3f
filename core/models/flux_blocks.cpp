#include "models/flux_blocks.h"

#include "tensor/attention.h"

namespace fd {

namespace {
int64_t mlpHiddenSize(int64_t hidden, double mlpRatio) {
  return static_cast<int64_t>(static_cast<double>(hidden) *
                              mlpRatio);  // Python's int(): truncation
}
}  // namespace

DoubleStreamBlockImpl::DoubleStreamBlockImpl(int64_t hidden, int64_t numHeads, double mlpRatio,
                                             bool qkvBias, const torch::TensorOptions& options) {
  const int64_t mlpHidden = mlpHiddenSize(hidden, mlpRatio);
  // Registration order follows the reference (img_* first, then txt_*).
  imgMod_ = register_module("img_mod", Modulation(hidden, true, options));
  imgAttn_ = register_module("img_attn", SelfAttention(hidden, numHeads, qkvBias, options));
  imgMlp_ = register_module("img_mlp", GeluMlp(hidden, mlpHidden, options));
  txtMod_ = register_module("txt_mod", Modulation(hidden, true, options));
  txtAttn_ = register_module("txt_attn", SelfAttention(hidden, numHeads, qkvBias, options));
  txtMlp_ = register_module("txt_mlp", GeluMlp(hidden, mlpHidden, options));
}

std::pair<torch::Tensor, torch::Tensor> DoubleStreamBlockImpl::forward(const torch::Tensor& img,
                                                                       const torch::Tensor& txt,
                                                                       const torch::Tensor& vec,
                                                                       const torch::Tensor& pe) {
  const auto imgMod = imgMod_->forward(vec);  // [attention, mlp]
  const auto txtMod = txtMod_->forward(vec);

  auto imgHeads =
      imgAttn_->project(modulate(layerNormNoAffine(img), imgMod[0].shift, imgMod[0].scale));
  auto txtHeads =
      txtAttn_->project(modulate(layerNormNoAffine(txt), txtMod[0].shift, txtMod[0].scale));

  // Joint attention over [txt; img] (the order of the position ids).
  auto q = torch::cat({txtHeads.q, imgHeads.q}, 2);  // (B, H, L_txt + L_img, D)
  auto k = torch::cat({txtHeads.k, imgHeads.k}, 2);
  auto v = torch::cat({txtHeads.v, imgHeads.v}, 2);
  auto attn = ropeAttention(q, k, v, pe);  // (B, L_txt + L_img, hidden)
  const int64_t txtLen = txt.size(1);
  auto txtAttn = attn.slice(1, 0, txtLen);
  auto imgAttn = attn.slice(1, txtLen);

  auto imgOut = img + imgMod[0].gate * imgAttn_->proj(imgAttn);
  imgOut = imgOut + imgMod[1].gate * imgMlp_->forward(modulate(layerNormNoAffine(imgOut),
                                                               imgMod[1].shift, imgMod[1].scale));
  auto txtOut = txt + txtMod[0].gate * txtAttn_->proj(txtAttn);
  txtOut = txtOut + txtMod[1].gate * txtMlp_->forward(modulate(layerNormNoAffine(txtOut),
                                                               txtMod[1].shift, txtMod[1].scale));
  return {imgOut, txtOut};
}

SingleStreamBlockImpl::SingleStreamBlockImpl(int64_t hidden, int64_t numHeads, double mlpRatio,
                                             const torch::TensorOptions& options)
    : hidden_(hidden), mlpHidden_(mlpHiddenSize(hidden, mlpRatio)), numHeads_(numHeads) {
  // linear1 = [qkv; mlp_in], linear2 = [proj | mlp_out] over cat(attn, mlp).
  linear1_ = register_module("linear1", Dense(hidden, 3 * hidden + mlpHidden_, true, options));
  linear2_ = register_module("linear2", Dense(hidden + mlpHidden_, hidden, true, options));
  norm_ = register_module("norm", QKNorm(hidden / numHeads, options));
  modulation_ = register_module("modulation", Modulation(hidden, false, options));
}

torch::Tensor SingleStreamBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& vec,
                                             const torch::Tensor& pe) {
  const auto mod = modulation_->forward(vec)[0];
  auto xMod = modulate(layerNormNoAffine(x), mod.shift, mod.scale);
  auto parts = linear1_->forward(xMod).split_with_sizes({3 * hidden_, mlpHidden_}, -1);
  auto heads = splitHeads(parts[0], numHeads_);  // q, k, v: (B, H, L, D)
  auto [q, k] = norm_->forward(heads[0], heads[1], heads[2]);
  auto attn = ropeAttention(q, k, heads[2], pe);  // (B, L, hidden)
  auto output = linear2_->forward(torch::cat({attn, torch::gelu(parts[1], "tanh")}, 2));
  return x + mod.gate * output;
}

AdaLnModulationImpl::AdaLnModulationImpl(int64_t hidden, const torch::TensorOptions& options)
    : linear_(register_module("1", Dense(hidden, 2 * hidden, true, options))) {}

torch::Tensor AdaLnModulationImpl::forward(const torch::Tensor& vec) const {
  return linear_->forward(torch::silu(vec));
}

LastLayerImpl::LastLayerImpl(int64_t hidden, int64_t outChannels,
                             const torch::TensorOptions& options)
    : linear_(register_module("linear", Dense(hidden, outChannels, true, options))),
      adaLnModulation_(register_module("adaLN_modulation", AdaLnModulation(hidden, options))) {}

torch::Tensor LastLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& vec) {
  auto mod = adaLnModulation_->forward(vec).chunk(2, 1);  // shift, scale: (B, hidden)
  auto shift = mod[0].unsqueeze(1), scale = mod[1].unsqueeze(1);
  return linear_->forward(modulate(layerNormNoAffine(x), shift, scale));
}

}  // namespace fd
