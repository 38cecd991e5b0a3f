#include "sampling/noise.h"

#include <ATen/CPUGeneratorImpl.h>

namespace fd {

int64_t latentSide(int64_t pixels) { return 2 * ((pixels + 15) / 16); }

torch::Tensor getNoise(uint64_t seed, int64_t height, int64_t width, torch::ScalarType dtype,
                       int64_t numSamples) {
  TORCH_CHECK(height > 0 && width > 0 && numSamples > 0, "getNoise: invalid size ", numSamples,
              " x ", height, " x ", width);
  // A fresh generator per call, seeded like torch.Generator().manual_seed(seed).
  auto generator = at::detail::createCPUGenerator(seed);
  return torch::randn({numSamples, 16, latentSide(height), latentSide(width)}, generator,
                      torch::TensorOptions().dtype(dtype).device(torch::kCPU));
}

}  // namespace fd
