#pragma once
// A tiny random FLUX transformer, LoRA deltas for its layers written in
// each trainer's naming, and the reference: the same delta merged into the
// weights by hand.

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "models/flux_model.h"
#include "support/torch/tiny_flux.h"

namespace fd::test {

// The models: support/torch/tiny_flux.h's, with guidance (every kind of layer).

struct TinyInputs {
  torch::Tensor img, imgIds, txt, txtIds, timesteps, y, guidance;
};
TinyInputs tinyInputs();
torch::Tensor runModel(FluxModel& model, const TinyInputs& inputs);  // (1, L_img, 64) float32

// One layer's adapter: weight delta alpha / rank * up @ down.
struct LayerDelta {
  torch::Tensor down;  // (rank, in) float32
  torch::Tensor up;    // (out, rank)
  float alpha = 0;
  torch::Tensor weightDelta() const;  // (out, in)
};
using LoraDelta = std::map<std::string, LayerDelta>;  // by BFL module path

// Random down/up for the named layers of `model`.
LoraDelta randomDelta(FluxModel& model, const std::vector<std::string>& modules, int64_t rank,
                      float alpha, uint64_t seed);
std::vector<std::string> allDenseModules(FluxModel& model);

// The delta as a LoRA file in one naming. Diffusers: q/k/v and proj_mlp
// split off the fused layers, norm_out's halves swapped, no alpha (folded
// into up). XLabs: only the double blocks' attention layers.
enum class LoraNaming { Kohya, Diffusers, BflLoraAB, BflLoraDownUp, XLabs };
void writeLora(const std::string& path, const LoraDelta& delta, LoraNaming naming,
               FluxModel& model);

// A float32 copy of `model` (packed weights expanded) with
// sum_i scale_i * delta_i added to its weights.
FluxModel mergedModel(FluxModel& model,
                      const std::vector<std::pair<const LoraDelta*, double>>& deltas);

// max |a - b|.
double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace fd::test
