#pragma once
// Helpers of the weights/ggml_quants.h tests: an independent f16 decoder and
// torch's bfloat16 rounding, byte packing, and calls that expect success.

#include <cstdint>
#include <iterator>
#include <random>
#include <vector>

#include "weights/dtype.h"

namespace fd::test {

uint32_t bitsOf(float f);
float floatOf(uint32_t u);
// IEEE half from its fields, independent of the code under test.
float halfValue(uint16_t h);
// torch's float -> bfloat16 (round to nearest even, NaN -> 0x7FC0).
uint16_t torchBf16(float f);
void putHalf(std::vector<uint8_t>& bytes, size_t at, uint16_t h);

// The calls, expected to succeed (a failure is reported, values left poisoned).
std::vector<float> dequantized(DType type, const std::vector<uint8_t>& bytes, int64_t count);
std::vector<uint16_t> dequantizedBf16(DType type, const std::vector<uint8_t>& bytes, int64_t count);
std::vector<uint8_t> quantized(DType type, const std::vector<float>& values);

// Both outputs of `bytes` against `want`: float32 bit for bit (so -0 != +0,
// any NaN equal to any NaN), bfloat16 equal to want rounded as torch does.
void expectValues(DType type, const std::vector<uint8_t>& bytes, const std::vector<float>& want);

// Super-block scales worth testing: ordinary, negative, the smallest and
// largest subnormal, both zeros, large.
inline constexpr uint16_t kScaleHalves[] = {0x3C00, 0x2E66, 0xB400, 0x0001,
                                            0x03FF, 0x8000, 0x0000, 0x5BFF};

struct Rng {
  std::mt19937 engine{20240601};
  int below(int n) { return static_cast<int>(engine() % static_cast<uint32_t>(n)); }
  uint16_t scaleHalf() { return kScaleHalves[below(static_cast<int>(std::size(kScaleHalves)))]; }
};

}  // namespace fd::test
