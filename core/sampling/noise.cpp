#include "sampling/noise.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <mutex>
#include <vector>

namespace fd {

int64_t latentSide(int64_t pixels) { return 2 * ((pixels + 15) / 16); }

namespace {

using BF16 = c10::BFloat16;

// U[0, 1) with bfloat16's 8 significant bits from one 32-bit draw, as
// at::uniform_real_distribution<BFloat16> does.
BF16 uniformBf16(at::CPUGeneratorImpl& generator) {
  return BF16(static_cast<float>(generator.random() & 0xFFu) * (1.0f / 256.0f));
}

// Box-Muller on 16 values (first 8 are u1, last 8 are u2), every operation
// rounded to bfloat16 as LibTorch 1.13's normal_fill_16<BFloat16> did.
void boxMuller16(BF16* data) {
  for (int j = 0; j < 8; ++j) {
    const BF16 u1 = BF16(1.0f) - data[j];
    const BF16 u2 = data[j + 8];
    const BF16 radius = BF16(
        std::sqrt(static_cast<float>(BF16(BF16(-2.0f) * BF16(std::log(static_cast<float>(u1)))))));
    const BF16 theta = BF16(
        static_cast<float>(2.0 * M_PI * static_cast<double>(static_cast<float>(u2))));  // in double
    data[j] = BF16(radius * BF16(std::cos(static_cast<float>(theta))));
    data[j + 8] = BF16(radius * BF16(std::sin(static_cast<float>(theta))));
  }
}

// torch.randn(shape, generator, dtype=bfloat16) of the LibTorch the
// reference goldens (and the reference CLI of that time) used: 2.x draws
// bfloat16 normals differently, so the same seed would start elsewhere.
torch::Tensor randnBf16Like113(at::IntArrayRef shape, at::CPUGeneratorImpl& generator) {
  torch::Tensor out = torch::empty(shape, torch::TensorOptions().dtype(torch::kBFloat16));
  BF16* data = out.data_ptr<BF16>();
  const int64_t size = out.numel();
  TORCH_CHECK(size >= 16, "randnBf16Like113: needs at least 16 values");
  for (int64_t i = 0; i < size; ++i) data[i] = uniformBf16(generator);
  for (int64_t i = 0; i + 16 <= size; i += 16) boxMuller16(data + i);
  if (size % 16 != 0) {
    // The last 16 values are drawn again and transformed together.
    BF16* tail = data + size - 16;
    for (int i = 0; i < 16; ++i) tail[i] = uniformBf16(generator);
    boxMuller16(tail);
  }
  return out;
}

}  // namespace

torch::Tensor getNoise(uint64_t seed, int64_t height, int64_t width, torch::ScalarType dtype,
                       int64_t numSamples) {
  TORCH_CHECK(height > 0 && width > 0 && numSamples > 0, "getNoise: invalid size ", numSamples,
              " x ", height, " x ", width);
  // A fresh generator per call, seeded like torch.Generator().manual_seed(seed).
  auto generator = at::detail::createCPUGenerator(seed);
  const std::vector<int64_t> shape{numSamples, 16, latentSide(height), latentSide(width)};
  if (dtype == torch::kBFloat16) {
    auto* cpu = at::check_generator<at::CPUGeneratorImpl>(generator);
    std::lock_guard<std::mutex> lock(cpu->mutex_);
    return randnBf16Like113(shape, *cpu);
  }
  return torch::randn({numSamples, 16, latentSide(height), latentSide(width)}, generator,
                      torch::TensorOptions().dtype(dtype).device(torch::kCPU));
}

}  // namespace fd
