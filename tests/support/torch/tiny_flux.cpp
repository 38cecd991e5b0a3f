#include "support/torch/tiny_flux.h"

#include <ATen/CPUGeneratorImpl.h>

namespace fd::test {

FluxParams tinyFluxParams(bool guidance) {
  FluxParams p;
  p.in_channels = p.out_channels = 64;
  p.vec_in_dim = 8;
  p.context_in_dim = 12;
  p.hidden_size = 32;
  p.num_heads = 2;
  p.depth = 1;
  p.depth_single_blocks = 2;
  p.axes_dim = {4, 6, 6};
  p.guidance_embed = guidance;
  return p;
}

FluxModel tinyFluxModel(bool guidance, uint64_t seed) {
  FluxModel model(tinyFluxParams(guidance));
  torch::NoGradGuard noGrad;
  auto generator = at::detail::createCPUGenerator(seed);
  for (auto& p : model->parameters()) p.normal_(0.0, 0.1, generator);
  return model;
}

}  // namespace fd::test
