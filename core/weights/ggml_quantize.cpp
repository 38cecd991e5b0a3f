// Quantizers of the 32-value block types and the plain float conversions,
// following ggml-quants.c's quantize_row_*_ref (the deterministic reference
// ggml_quantize_chunk uses without an importance matrix): the same choice
// of scale, the same float operations in the same order and the same
// rounding, so the bytes equal ggml's. The k-quants are in
// ggml_quantize_k.cpp.

// ggml rounds a*b and then a*b+c; a fused multiply-add (which compilers
// form on FMA targets: GCC even across statements) would round once and
// change results. Set before the includes so inlined helpers share it.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <cfloat>
#include <cmath>
#include <cstring>

#include "weights/ggml_quants_internal.h"

namespace fd::ggml {

namespace {

constexpr int kQK = 32;

// C's roundf (halves away from zero) for |x| < 2^31, without a libm call so
// that the q8_0 loop vectorises: truncation is exact and so is x - trunc(x).
int roundHalfAway(float x) {
  const int truncated = static_cast<int>(x);
  const float rest = x - static_cast<float>(truncated);
  return truncated + (rest >= 0.5f ? 1 : 0) - (rest <= -0.5f ? 1 : 0);
}

// Value of largest magnitude, the first one when several tie (ggml's
// q4_0 / q5_0 scan); +0 for an all-zero block.
float signedAbsMax(const float* FD_RESTRICT x) {
  float amax = 0.0f;
  float max = 0.0f;
  for (int j = 0; j < kQK; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

// Smallest and largest value, in ggml's order of comparisons (which decides
// between -0 and +0).
void minMax(const float* FD_RESTRICT x, float& min, float& max) {
  min = FLT_MAX;
  max = -FLT_MAX;
  for (int j = 0; j < kQK; ++j) {
    if (x[j] < min) min = x[j];
    if (x[j] > max) max = x[j];
  }
}

}  // namespace

void quantizeF32(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks) {
  std::memcpy(dst, src, static_cast<size_t>(blocks) * sizeof(float));
}

void quantizeF16(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t i = 0; i < blocks; ++i) storeU16(dst + 2 * i, floatToHalf(src[i]));
}

void quantizeBF16(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t i = 0; i < blocks; ++i) storeU16(dst + 2 * i, floatToBf16Ggml(src[i]));
}

// q8_0: d = max|x| / 127, q = round(x / d) with the reciprocal as ggml.
void quantizeQ8_0(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += kQK, dst += 34) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) {
      const float a = std::fabs(src[j]);
      amax = amax > a ? amax : a;
    }
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    storeU16(dst, floatToHalf(d));
    uint8_t* FD_RESTRICT qs = dst + 2;
    for (int j = 0; j < kQK; ++j)
      qs[j] = static_cast<uint8_t>(static_cast<int8_t>(roundHalfAway(src[j] * id)));
  }
}

// q4_0: d = (value of largest magnitude) / -8, so that value maps to -8;
// q = trunc(x/d + 8.5) capped at 15.
void quantizeQ4_0(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += kQK, dst += 18) {
    const float d = signedAbsMax(src) / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    storeU16(dst, floatToHalf(d));
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = static_cast<int>(src[j] * id + 8.5f);
      const int q1 = static_cast<int>(src[j + kQK / 2] * id + 8.5f);
      dst[2 + j] = static_cast<uint8_t>((q0 < 15 ? q0 : 15) | ((q1 < 15 ? q1 : 15) << 4));
    }
  }
}

// q4_1: d = (max - min) / 15, m = min; q = trunc((x - min)/d + 0.5) capped.
void quantizeQ4_1(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += kQK, dst += 20) {
    float min, max;
    minMax(src, min, max);
    const float d = (max - min) / 15.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    storeU16(dst, floatToHalf(d));
    storeU16(dst + 2, floatToHalf(min));
    for (int j = 0; j < kQK / 2; ++j) {
      // NOLINTNEXTLINE(bugprone-incorrect-roundings): ggml's own rounding, bit for bit (x >= 0)
      const int q0 = static_cast<int>((src[j] - min) * id + 0.5f);
      // NOLINTNEXTLINE(bugprone-incorrect-roundings): ggml's own rounding, bit for bit (x >= 0)
      const int q1 = static_cast<int>((src[j + kQK / 2] - min) * id + 0.5f);
      dst[4 + j] = static_cast<uint8_t>((q0 < 15 ? q0 : 15) | ((q1 < 15 ? q1 : 15) << 4));
    }
  }
}

// q5_0: as q4_0 with 5 bits: d = (largest-magnitude value) / -16.
void quantizeQ5_0(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += kQK, dst += 22) {
    const float d = signedAbsMax(src) / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    storeU16(dst, floatToHalf(d));
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      int q0 = static_cast<int>(src[j] * id + 16.5f);
      int q1 = static_cast<int>(src[j + kQK / 2] * id + 16.5f);
      q0 = q0 < 31 ? q0 : 31;
      q1 = q1 < 31 ? q1 : 31;
      dst[6 + j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
      qh |= static_cast<uint32_t>((q0 >> 4) & 1) << j;
      qh |= static_cast<uint32_t>((q1 >> 4) & 1) << (j + kQK / 2);
    }
    for (int k = 0; k < 4; ++k) dst[2 + k] = static_cast<uint8_t>(qh >> (8 * k));
  }
}

// q5_1: as q4_1 with 5 bits (d = (max - min) / 31), no cap: ggml relies on
// (x - min)/d + 0.5 staying below 32.
void quantizeQ5_1(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += kQK, dst += 24) {
    float min, max;
    minMax(src, min, max);
    const float d = (max - min) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    storeU16(dst, floatToHalf(d));
    storeU16(dst + 2, floatToHalf(min));
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      // NOLINTNEXTLINE(bugprone-incorrect-roundings): ggml's own rounding, bit for bit (x >= 0)
      const int q0 = static_cast<uint8_t>(static_cast<int>((src[j] - min) * id + 0.5f));
      // NOLINTNEXTLINE(bugprone-incorrect-roundings): ggml's own rounding, bit for bit (x >= 0)
      const int q1 = static_cast<uint8_t>(static_cast<int>((src[j + kQK / 2] - min) * id + 0.5f));
      dst[8 + j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
      qh |= static_cast<uint32_t>((q0 >> 4) & 1) << j;
      qh |= static_cast<uint32_t>((q1 >> 4) & 1) << (j + kQK / 2);
    }
    for (int k = 0; k < 4; ++k) dst[4 + k] = static_cast<uint8_t>(qh >> (8 * k));
  }
}

}  // namespace fd::ggml
