#pragma once
// Private to ggml_quants.cpp, ggml_dequantize.cpp and ggml_quantize*.cpp:
// the per-type kernels the traits table in ggml_quants.cpp points at, and
// the scalar conversions they share. The public interface is ggml_quants.h.
//
// Kernels work on whole blocks of packed bytes (ggml's structs are packed,
// so a block may start at any address: fields are read byte by byte, which
// is also endian-independent). halfToFloat and the bfloat16 roundings are
// branch-free so that loops calling them vectorise.

#include <cstdint>
#include <cstring>

#if defined(__GNUC__) || defined(__clang__)
#define FD_RESTRICT __restrict__
#else
#define FD_RESTRICT __restrict
#endif

namespace fd::ggml {

// `blocks` blocks of a type: stored bytes to float32, or float32 to bytes.
using DequantizeBlocks = void (*)(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst,
                                  int64_t blocks);
using QuantizeBlocks = void (*)(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst,
                                int64_t blocks);

inline uint32_t floatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

inline float bitsFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

inline uint16_t loadU16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

inline uint32_t loadU32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

inline void storeU16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}

// IEEE half to float, exact for every input (subnormals, signed zeros,
// infinities, NaN payloads). Subnormal halves are built as an integer times
// 2^-24 so that no float subnormal is involved: the result is right even
// when the thread runs with denormals-are-zero.
inline float halfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t magnitude = h & 0x7FFFu;
  // Exponent rebias 15 -> 127 is +112 << 23; inf/NaN (exponent 31) need
  // another 112 to reach 255. Masks, not branches, so loops vectorise.
  const uint32_t infNan = 0u - static_cast<uint32_t>(magnitude >= 0x7C00u);
  const uint32_t normal = (magnitude << 13) + (112u << 23) + (infNan & (112u << 23));
  const uint32_t subnormal =
      floatBits(static_cast<float>(static_cast<int32_t>(magnitude)) * 0x1p-24f);
  const uint32_t isSubnormal = 0u - static_cast<uint32_t>(magnitude < 0x0400u);
  return bitsFloat(sign | (subnormal & isSubnormal) | (normal & ~isSubnormal));
}

// Float to IEEE half, rounding to nearest even; overflow gives infinity,
// NaN gives a quiet NaN of the same sign (ggml's GGML_FP32_TO_FP16 rules).
inline uint16_t floatToHalf(float f) {
  const uint32_t bits = floatBits(f);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const uint32_t magnitude = bits & 0x7FFFFFFFu;
  uint32_t half;
  if (magnitude > 0x7F800000u) {
    half = 0x7E00u;
  } else if (magnitude >= 0x477FF000u) {  // 65520 and up round to infinity
    half = 0x7C00u;
  } else if (magnitude < 0x38800000u) {  // below 2^-14: a subnormal half or zero
    // Adding 0.5 (ulp 2^-24) lets the FPU round |f| to a multiple of 2^-24
    // (nearest even); the multiple is left in the low mantissa bits.
    const float shifted = bitsFloat(magnitude) + 0.5f;
    half = floatBits(shifted) - floatBits(0.5f);
  } else {
    // Round the 13 dropped mantissa bits to nearest even; a carry moves into
    // the exponent, which is the right result.
    const uint32_t rounded = magnitude + 0x0FFFu + ((magnitude >> 13) & 1u);
    half = (rounded >> 13) - (112u << 10);
  }
  return static_cast<uint16_t>(sign | half);
}

inline float bf16ToFloat(uint16_t b) { return bitsFloat(static_cast<uint32_t>(b) << 16); }

// torch's float -> bfloat16: round to nearest even, every NaN -> 0x7FC0.
inline uint16_t floatToBf16Torch(float f) {
  const uint32_t bits = floatBits(f);
  const uint32_t rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
  const bool nan = (bits & 0x7FFFFFFFu) > 0x7F800000u;
  return static_cast<uint16_t>(nan ? 0x7FC0u : rounded);
}

// ggml's float -> bfloat16 (GGML_FP32_TO_BF16): round to nearest even, a NaN
// keeps its sign and payload and is made quiet.
inline uint16_t floatToBf16Ggml(float f) {
  const uint32_t bits = floatBits(f);
  const uint32_t rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
  const bool nan = (bits & 0x7FFFFFFFu) > 0x7F800000u;
  return static_cast<uint16_t>(nan ? ((bits >> 16) | 0x40u) : rounded);
}

// `count` little-endian float32 values (any alignment) to bfloat16 as
// floatToBf16Torch rounds them (ggml_dequantize.cpp).
void floatsToBf16(const uint8_t* FD_RESTRICT src, uint16_t* FD_RESTRICT dst, int64_t count);

// Dequantizers (dst gets blocks * blockValues(type) floats).
void dequantizeF32(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks);
void dequantizeF16(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks);
void dequantizeBF16(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks);
void dequantizeF8E4M3(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks);
void dequantizeF8E5M2(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks);
void dequantizeQ4_0(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks);
void dequantizeQ4_1(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks);
void dequantizeQ5_0(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks);
void dequantizeQ5_1(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks);
void dequantizeQ8_0(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks);
void dequantizeQ2_K(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks);
void dequantizeQ3_K(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks);
void dequantizeQ4_K(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks);
void dequantizeQ5_K(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks);
void dequantizeQ6_K(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks);

// Quantizers (src holds blocks * blockValues(type) floats).
void quantizeF32(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks);
void quantizeF16(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks);
void quantizeBF16(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks);
void quantizeQ4_0(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks);
void quantizeQ4_1(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks);
void quantizeQ5_0(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks);
void quantizeQ5_1(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks);
void quantizeQ8_0(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks);
void quantizeQ4_K(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks);
void quantizeQ6_K(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks);

}  // namespace fd::ggml
