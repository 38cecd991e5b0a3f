// Block dequantizers: ggml's block layouts (ggml-common.h) expanded to
// float32 with the arithmetic of ggml-quants.c's dequantize_row_*, operation
// for operation, so every value equals ggml's (see ggml_quants.h). Each
// kernel decodes a block's scales once, then runs fixed-length inner loops
// over its quants with no per-value branches: the compiler vectorises them.

// ggml rounds a*b and then a*b+c; a fused multiply-add (which compilers
// form on FMA targets: GCC even across statements) would round once and
// change results. Set before the includes so inlined helpers share it.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "weights/float8.h"
#include "weights/ggml_quants_internal.h"

namespace fd::ggml {

namespace {

constexpr int kQK = 32;    // values per block of the q4_0 .. q8_0 family
constexpr int kQKK = 256;  // values per k-quant super-block

float loadHalf(const uint8_t* p) { return halfToFloat(loadU16(p)); }

// The 6-bit scale and min of sub-block j (0..7) of a q4_K / q5_K block,
// packed in 12 bytes: j < 4 in the low 6 bits of bytes j and j+4; j >= 4
// split between a nibble of byte j+4 and the top 2 bits of bytes j-4 / j.
void scaleMinK4(int j, const uint8_t* FD_RESTRICT packed, int& scale, int& min) {
  if (j < 4) {
    scale = packed[j] & 63;
    min = packed[j + 4] & 63;
  } else {
    scale = (packed[j + 4] & 0x0F) | ((packed[j - 4] >> 6) << 4);
    min = (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4);
  }
}

}  // namespace

void dequantizeF32(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks) {
  std::memcpy(dst, src, static_cast<size_t>(blocks) * sizeof(float));
}

void dequantizeF16(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t i = 0; i < blocks; ++i) dst[i] = halfToFloat(loadU16(src + 2 * i));
}

void dequantizeBF16(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t i = 0; i < blocks; ++i) dst[i] = bf16ToFloat(loadU16(src + 2 * i));
}

void dequantizeF8E4M3(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks) {
  const float* FD_RESTRICT table = float8E4M3Table().data();
  for (int64_t i = 0; i < blocks; ++i) dst[i] = table[src[i]];
}

void dequantizeF8E5M2(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks) {
  const float* FD_RESTRICT table = float8E5M2Table().data();
  for (int64_t i = 0; i < blocks; ++i) dst[i] = table[src[i]];
}

// q4_0: f16 d, 16 bytes of nibbles (low nibbles are values 0..15, high
// nibbles 16..31); value = (q - 8) * d.
void dequantizeQ4_0(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += 18, dst += kQK) {
    const float d = loadHalf(src);
    const uint8_t* FD_RESTRICT qs = src + 2;
    for (int j = 0; j < kQK / 2; ++j) {
      dst[j] = static_cast<float>((qs[j] & 0x0F) - 8) * d;
      dst[j + kQK / 2] = static_cast<float>((qs[j] >> 4) - 8) * d;
    }
  }
}

// q4_1: f16 d, f16 m, nibbles as q4_0; value = q * d + m.
void dequantizeQ4_1(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += 20, dst += kQK) {
    const float d = loadHalf(src);
    const float m = loadHalf(src + 2);
    const uint8_t* FD_RESTRICT qs = src + 4;
    for (int j = 0; j < kQK / 2; ++j) {
      dst[j] = static_cast<float>(qs[j] & 0x0F) * d + m;
      dst[j + kQK / 2] = static_cast<float>(qs[j] >> 4) * d + m;
    }
  }
}

namespace {

// Bit j of the little-endian 32-bit qh of q5_0 / q5_1 is the fifth bit of
// value j. A table of masks (rather than qh >> j) keeps the loops
// vectorisable on SSE2, which has no per-lane shifts.
constexpr uint32_t kBit[32] = {1u << 0,  1u << 1,  1u << 2,  1u << 3,  1u << 4,  1u << 5,  1u << 6,
                               1u << 7,  1u << 8,  1u << 9,  1u << 10, 1u << 11, 1u << 12, 1u << 13,
                               1u << 14, 1u << 15, 1u << 16, 1u << 17, 1u << 18, 1u << 19, 1u << 20,
                               1u << 21, 1u << 22, 1u << 23, 1u << 24, 1u << 25, 1u << 26, 1u << 27,
                               1u << 28, 1u << 29, 1u << 30, 1u << 31};

}  // namespace

// q5_0: f16 d, 4 bytes qh, nibbles; value = (q | high << 4) - 16, times d.
void dequantizeQ5_0(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += 22, dst += kQK) {
    const float d = loadHalf(src);
    const uint32_t qh = loadU32(src + 2);
    const uint8_t* FD_RESTRICT qs = src + 6;
    for (int j = 0; j < kQK / 2; ++j) {
      const int high0 = (qh & kBit[j]) ? 16 : 0;
      const int high1 = (qh & kBit[j + kQK / 2]) ? 16 : 0;
      dst[j] = static_cast<float>(((qs[j] & 0x0F) | high0) - 16) * d;
      dst[j + kQK / 2] = static_cast<float>(((qs[j] >> 4) | high1) - 16) * d;
    }
  }
}

// q5_1: f16 d, f16 m, qh, nibbles; value = (q | high << 4) * d + m.
void dequantizeQ5_1(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += 24, dst += kQK) {
    const float d = loadHalf(src);
    const float m = loadHalf(src + 2);
    const uint32_t qh = loadU32(src + 4);
    const uint8_t* FD_RESTRICT qs = src + 8;
    for (int j = 0; j < kQK / 2; ++j) {
      const int high0 = (qh & kBit[j]) ? 16 : 0;
      const int high1 = (qh & kBit[j + kQK / 2]) ? 16 : 0;
      dst[j] = static_cast<float>((qs[j] & 0x0F) | high0) * d + m;
      dst[j + kQK / 2] = static_cast<float>((qs[j] >> 4) | high1) * d + m;
    }
  }
}

// q8_0: f16 d, 32 int8; value = q * d.
void dequantizeQ8_0(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += 34, dst += kQK) {
    const float d = loadHalf(src);
    const uint8_t* FD_RESTRICT qs = src + 2;
    for (int j = 0; j < kQK; ++j) dst[j] = static_cast<float>(static_cast<int8_t>(qs[j])) * d;
  }
}

// q2_K (84 bytes): 16 scale bytes (low nibble scale, high nibble min, one per
// 16 values), 64 bytes of 2-bit quants, f16 d, f16 dmin. Each 32 quant bytes
// hold 128 values, four 2-bit planes of 32; value = d*sc * q - dmin*m.
void dequantizeQ2_K(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += 84, dst += kQKK) {
    const uint8_t* FD_RESTRICT scales = src;
    const float d = loadHalf(src + 80);
    const float dmin = loadHalf(src + 82);
    for (int group = 0; group < kQKK / 16; ++group) {
      const int half = group / 8;  // which 32 quant bytes
      const int shift = 2 * ((group % 8) / 2);
      const uint8_t* FD_RESTRICT q = src + 16 + 32 * half + 16 * (group % 2);
      const float dl = d * static_cast<float>(scales[group] & 0x0F);
      const float ml = dmin * static_cast<float>(scales[group] >> 4);
      float* FD_RESTRICT y = dst + 16 * group;
      for (int l = 0; l < 16; ++l) y[l] = dl * static_cast<float>((q[l] >> shift) & 3) - ml;
    }
  }
}

// q3_K (110 bytes): 32 bytes hmask (bit k of byte l: high bit of value
// 32k + l), 64 bytes of 2-bit quants laid out as q2_K, 12 bytes of 6-bit
// scales, f16 d. A quant is its two low bits minus 4 when its hmask bit is
// clear; value = d * (scale - 32) * quant.
void dequantizeQ3_K(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += 110, dst += kQKK) {
    const uint8_t* FD_RESTRICT hmask = src;
    const uint8_t* FD_RESTRICT packed = src + 96;
    const float d = loadHalf(src + 108);
    for (int group = 0; group < kQKK / 16; ++group) {
      // Scale of group g: low nibble in byte g (g < 8) or the high nibble of
      // byte g - 8; its top two bits in byte 8 + g % 4 at bit 2 * (g / 4).
      const int low = group < 8 ? packed[group] & 0x0F : packed[group - 8] >> 4;
      const int high = (packed[8 + group % 4] >> (2 * (group / 4))) & 3;
      const float dl = d * static_cast<float>((low | (high << 4)) - 32);
      const int half = group / 8;
      const int plane = (group % 8) / 2;  // 2-bit plane, and the hmask bit
      const int shift = 2 * plane;
      const int offset = 16 * (group % 2);
      const uint8_t* FD_RESTRICT q = src + 32 + 32 * half + offset;
      const uint8_t* FD_RESTRICT h = hmask + offset;
      const int hbit = 4 * half + plane;
      float* FD_RESTRICT y = dst + 16 * group;
      for (int l = 0; l < 16; ++l) {
        const int missing = (((h[l] >> hbit) & 1) ^ 1) << 2;  // 4 when the bit is clear
        y[l] = dl * static_cast<float>(((q[l] >> shift) & 3) - missing);
      }
    }
  }
}

// q4_K (144 bytes): f16 d, f16 dmin, 12 bytes of 6-bit scales and mins (one
// pair per 32 values), 128 bytes of nibbles: each 32 bytes hold 64 values,
// low nibbles first. value = (d*sc) * q - (dmin*m).
void dequantizeQ4_K(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += 144, dst += kQKK) {
    const float d = loadHalf(src);
    const float dmin = loadHalf(src + 2);
    const uint8_t* FD_RESTRICT packed = src + 4;
    for (int chunk = 0; chunk < 4; ++chunk) {
      int sc1, m1, sc2, m2;
      scaleMinK4(2 * chunk, packed, sc1, m1);
      scaleMinK4(2 * chunk + 1, packed, sc2, m2);
      const float d1 = d * static_cast<float>(sc1), min1 = dmin * static_cast<float>(m1);
      const float d2 = d * static_cast<float>(sc2), min2 = dmin * static_cast<float>(m2);
      const uint8_t* FD_RESTRICT q = src + 16 + 32 * chunk;
      float* FD_RESTRICT y = dst + 64 * chunk;
      for (int l = 0; l < 32; ++l) {
        y[l] = d1 * static_cast<float>(q[l] & 0x0F) - min1;
        y[l + 32] = d2 * static_cast<float>(q[l] >> 4) - min2;
      }
    }
  }
}

// q5_K (176 bytes): as q4_K plus 32 bytes qh before the nibbles; bit 2c of
// qh[l] is the fifth bit of value 64c + l, bit 2c+1 that of 64c + 32 + l.
void dequantizeQ5_K(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += 176, dst += kQKK) {
    const float d = loadHalf(src);
    const float dmin = loadHalf(src + 2);
    const uint8_t* FD_RESTRICT packed = src + 4;
    const uint8_t* FD_RESTRICT qh = src + 16;
    for (int chunk = 0; chunk < 4; ++chunk) {
      int sc1, m1, sc2, m2;
      scaleMinK4(2 * chunk, packed, sc1, m1);
      scaleMinK4(2 * chunk + 1, packed, sc2, m2);
      const float d1 = d * static_cast<float>(sc1), min1 = dmin * static_cast<float>(m1);
      const float d2 = d * static_cast<float>(sc2), min2 = dmin * static_cast<float>(m2);
      const uint8_t* FD_RESTRICT ql = src + 48 + 32 * chunk;
      const int bit = 2 * chunk;
      float* FD_RESTRICT y = dst + 64 * chunk;
      for (int l = 0; l < 32; ++l) {
        const int high1 = ((qh[l] >> bit) & 1) << 4;
        const int high2 = ((qh[l] >> (bit + 1)) & 1) << 4;
        y[l] = d1 * static_cast<float>((ql[l] & 0x0F) + high1) - min1;
        y[l + 32] = d2 * static_cast<float>((ql[l] >> 4) + high2) - min2;
      }
    }
  }
}

// q6_K (210 bytes): 128 bytes ql (low nibbles), 64 bytes qh (2 high bits
// each), 16 int8 scales (one per 16 values), f16 d. Each half of 128
// values uses 64 ql bytes and 32 qh bytes: value 32k + l (k = 0..3) takes
// the low nibble of ql[l] (k = 0), ql[l+32] (k = 1) or their high nibbles
// (k = 2, 3) and bits 2k..2k+1 of qh[l]; value = (d*scale) * (q - 32).
void dequantizeQ6_K(const uint8_t* FD_RESTRICT src, float* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += 210, dst += kQKK) {
    const float d = loadHalf(src + 208);
    for (int half = 0; half < 2; ++half) {
      const uint8_t* FD_RESTRICT ql = src + 64 * half;
      const uint8_t* FD_RESTRICT qh = src + 128 + 32 * half;
      const int8_t* FD_RESTRICT sc = reinterpret_cast<const int8_t*>(src + 192 + 8 * half);
      float* FD_RESTRICT y = dst + 128 * half;
      for (int part = 0; part < 2; ++part) {  // l in [16*part, 16*part + 16)
        const float ds0 = d * static_cast<float>(sc[part + 0]);
        const float ds1 = d * static_cast<float>(sc[part + 2]);
        const float ds2 = d * static_cast<float>(sc[part + 4]);
        const float ds3 = d * static_cast<float>(sc[part + 6]);
        for (int l = 16 * part; l < 16 * part + 16; ++l) {
          const int q0 = ((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32;
          const int q1 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
          const int q2 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
          const int q3 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
          y[l] = ds0 * static_cast<float>(q0);
          y[l + 32] = ds1 * static_cast<float>(q1);
          y[l + 64] = ds2 * static_cast<float>(q2);
          y[l + 96] = ds3 * static_cast<float>(q3);
        }
      }
    }
  }
}

// Rows to bfloat16 (float32 rows, and the float buffer of the other types).
void floatsToBf16(const uint8_t* FD_RESTRICT src, uint16_t* FD_RESTRICT dst, int64_t count) {
  int64_t i = 0;
#if defined(__SSE2__)
  // SSE2 has no unsigned 32 -> 16 bit narrowing, and compilers emulate it
  // with shuffles: shifting the rounded bits right arithmetically leaves
  // values in int16 range, which the signed saturating pack narrows exactly.
  const __m128i one = _mm_set1_epi32(1), bias = _mm_set1_epi32(0x7FFF);
  const __m128i quietNan = _mm_set1_epi32(0x7FC0);
  auto round = [&](__m128 v) {
    const __m128i bits = _mm_castps_si128(v);
    const __m128i lsb = _mm_and_si128(_mm_srli_epi32(bits, 16), one);
    const __m128i rounded = _mm_srai_epi32(_mm_add_epi32(bits, _mm_add_epi32(bias, lsb)), 16);
    const __m128i nan = _mm_castps_si128(_mm_cmpunord_ps(v, v));
    return _mm_or_si128(_mm_andnot_si128(nan, rounded), _mm_and_si128(nan, quietNan));
  };
  for (; i + 8 <= count; i += 8) {
    const __m128 low = _mm_loadu_ps(reinterpret_cast<const float*>(src + 4 * i));
    const __m128 high = _mm_loadu_ps(reinterpret_cast<const float*>(src + 4 * i + 16));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm_packs_epi32(round(low), round(high)));
  }
#endif
  for (; i < count; ++i) dst[i] = floatToBf16Torch(bitsFloat(loadU32(src + 4 * i)));
}

}  // namespace fd::ggml
