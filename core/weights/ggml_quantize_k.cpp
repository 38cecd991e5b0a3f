// Quantizers of q4_K and q6_K following ggml's quantize_row_q4_K_ref /
// quantize_row_q6_K_ref (no importance matrix). Both search, per sub-block,
// for the scale (and min) with the least weighted error; the search is
// ggml's (make_qkx2_quants, make_qx_quants) with its float operations in
// the same order, so the chosen scales and hence the bytes equal ggml's.
//
// Speed: the searches are sums over a sub-block, repeated for 21 or 18
// candidate scales, and must be summed in ggml's order to give its bytes.
// The sub-blocks of a super-block are independent, so they run side by side:
// lane s of every array below is sub-block s, each lane sums in ggml's order,
// and the compiler turns the lane loops into vector instructions (8 or 16
// independent chains instead of one long dependent one).

// ggml rounds a*b and then a*b+c; a fused multiply-add (which compilers
// form on FMA targets: GCC even across statements) would round once and
// change results. Set before the includes so inlined helpers share it.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <cmath>
#include <cstring>

#include "weights/ggml_quants_internal.h"

namespace fd::ggml {

namespace {

constexpr int kQKK = 256;

// ggml's nearest_int: adding 1.5 * 2^23 makes the FPU round to an integer
// (nearest even) and leaves it in the low mantissa bits. Valid for
// |x| < 2^22, as in ggml.
inline int nearestInt(float x) {
  const float shifted = x + 12582912.0f;
  return static_cast<int>(floatBits(shifted) & 0x007FFFFFu) - 0x00400000;
}

inline int clampInt(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

// nearest_int clamped to [lo, hi], as a float: the searches keep quants as
// floats so that their loops are all-float and vectorise.
inline float level(float x, int lo, int hi) {
  return static_cast<float>(clampInt(nearestInt(x), lo, hi));
}

// ---- q4_K: 8 sub-blocks of 32, 4-bit quants with a scale and a min each.

constexpr int kQ4Subs = 8;
constexpr int kQ4Len = 32;
constexpr int kQ4Max = 15;

// make_qkx2_quants(32, 15, x, weights, L, &min, Laux, -1, 0.1, 20, false)
// for the 8 sub-blocks at once. x[i][s] is value i of sub-block s.
// Returns scales in `scale`, the (positive) mins in `theMin`, quants in L.
void searchScaleMinQ4K(const float (&x)[kQ4Len][kQ4Subs], const float (&w)[kQ4Len][kQ4Subs],
                       float (&L)[kQ4Len][kQ4Subs], float (&scale)[kQ4Subs],
                       float (&theMin)[kQ4Subs]) {
  constexpr float kRmin = -1.0f, kRdelta = 0.1f;
  constexpr int kSteps = 20;

  float min[kQ4Subs], max[kQ4Subs], sumW[kQ4Subs], sumX[kQ4Subs];
  for (int s = 0; s < kQ4Subs; ++s) {
    min[s] = x[0][s];
    max[s] = x[0][s];
    sumW[s] = w[0][s];
    sumX[s] = sumW[s] * x[0][s];
  }
  for (int i = 1; i < kQ4Len; ++i) {
    for (int s = 0; s < kQ4Subs; ++s) {
      min[s] = x[i][s] < min[s] ? x[i][s] : min[s];
      max[s] = x[i][s] > max[s] ? x[i][s] : max[s];
      sumW[s] += w[i][s];
      sumX[s] += w[i][s] * x[i][s];
    }
  }
  // A flat sub-block (max == min once min is raised to 0) gets zeros and
  // scale 0 (ggml returns early); its lane computes unused numbers until
  // then. The quants of the best fit are recomputed at the end from the
  // iscale and min that made them (the same numbers) rather than copied at
  // every improvement.
  float flatMin[kQ4Subs], iscale[kQ4Subs], bestError[kQ4Subs], bestIscale[kQ4Subs],
      bestShift[kQ4Subs];
  bool flat[kQ4Subs];
  for (int s = 0; s < kQ4Subs; ++s) {
    min[s] = min[s] > 0.0f ? 0.0f : min[s];
    flat[s] = max[s] == min[s];
    flatMin[s] = min[s];
    iscale[s] = static_cast<float>(kQ4Max) / (max[s] - min[s]);
    scale[s] = 1.0f / iscale[s];
    bestError[s] = 0.0f;
    bestIscale[s] = iscale[s];
    bestShift[s] = min[s];
  }
  for (int i = 0; i < kQ4Len; ++i) {
    for (int s = 0; s < kQ4Subs; ++s) {
      const float l = level(iscale[s] * (x[i][s] - min[s]), 0, kQ4Max);
      const float diff = scale[s] * l + min[s] - x[i][s];
      bestError[s] += w[i][s] * (diff * diff);
    }
  }
  for (int step = 0; step <= kSteps; ++step) {
    float trial[kQ4Len][kQ4Subs];
    float sumL[kQ4Subs] = {}, sumL2[kQ4Subs] = {}, sumXL[kQ4Subs] = {};
    // ggml divides by max - min with the min of the best fit so far.
    for (int s = 0; s < kQ4Subs; ++s)
      iscale[s] = (kRmin + kRdelta * static_cast<float>(step) + static_cast<float>(kQ4Max)) /
                  (max[s] - min[s]);
    for (int i = 0; i < kQ4Len; ++i)
      for (int s = 0; s < kQ4Subs; ++s)
        trial[i][s] = level(iscale[s] * (x[i][s] - min[s]), 0, kQ4Max);
    // One sum per loop: GCC vectorises these across the lanes; fused, it
    // shuffles. w * l is recomputed, the same number each time.
    for (int i = 0; i < kQ4Len; ++i)
      for (int s = 0; s < kQ4Subs; ++s) sumL[s] += w[i][s] * trial[i][s];
    for (int i = 0; i < kQ4Len; ++i)
      for (int s = 0; s < kQ4Subs; ++s) sumL2[s] += w[i][s] * trial[i][s] * trial[i][s];
    for (int i = 0; i < kQ4Len; ++i)
      for (int s = 0; s < kQ4Subs; ++s) sumXL[s] += w[i][s] * trial[i][s] * x[i][s];
    float trialScale[kQ4Subs], trialMin[kQ4Subs], error[kQ4Subs] = {};
    bool solvable[kQ4Subs];
    for (int s = 0; s < kQ4Subs; ++s) {
      const float det = sumW[s] * sumL2[s] - sumL[s] * sumL[s];
      solvable[s] = det > 0.0f;
      float a = (sumW[s] * sumXL[s] - sumX[s] * sumL[s]) / det;
      float m = (sumL2[s] * sumX[s] - sumL[s] * sumXL[s]) / det;
      // A positive min is not allowed: refit the scale alone with min 0.
      const bool clampMin = m > 0.0f;
      a = clampMin ? sumXL[s] / sumL2[s] : a;
      m = clampMin ? 0.0f : m;
      trialScale[s] = a;
      trialMin[s] = m;
    }
    for (int i = 0; i < kQ4Len; ++i) {
      for (int s = 0; s < kQ4Subs; ++s) {
        const float diff = trialScale[s] * trial[i][s] + trialMin[s] - x[i][s];
        error[s] += w[i][s] * (diff * diff);
      }
    }
    for (int s = 0; s < kQ4Subs; ++s) {
      const bool better = solvable[s] & (error[s] < bestError[s]);
      bestError[s] = better ? error[s] : bestError[s];
      scale[s] = better ? trialScale[s] : scale[s];
      bestIscale[s] = better ? iscale[s] : bestIscale[s];
      bestShift[s] = better ? min[s] : bestShift[s];
      min[s] = better ? trialMin[s] : min[s];
    }
  }
  for (int i = 0; i < kQ4Len; ++i)
    for (int s = 0; s < kQ4Subs; ++s)
      L[i][s] = flat[s] ? 0.0f : level(bestIscale[s] * (x[i][s] - bestShift[s]), 0, kQ4Max);
  for (int s = 0; s < kQ4Subs; ++s) {
    if (flat[s]) {
      scale[s] = 0.0f;
      min[s] = flatMin[s];
    }
    theMin[s] = -min[s];
  }
}

void quantizeBlockQ4K(const float* FD_RESTRICT x, uint8_t* FD_RESTRICT y) {
  // Transposed copies: value i of sub-block s at [i][s].
  float xs[kQ4Len][kQ4Subs], ws[kQ4Len][kQ4Subs];
  for (int s = 0; s < kQ4Subs; ++s) {
    const float* sub = x + kQ4Len * s;
    float sumX2 = 0.0f;
    for (int i = 0; i < kQ4Len; ++i) sumX2 += sub[i] * sub[i];
    const float avX = std::sqrt(sumX2 / 32.0f);
    for (int i = 0; i < kQ4Len; ++i) {
      xs[i][s] = sub[i];
      ws[i][s] = avX + std::fabs(sub[i]);
    }
  }
  float L[kQ4Len][kQ4Subs];
  float scales[kQ4Subs], mins[kQ4Subs];
  searchScaleMinQ4K(xs, ws, L, scales, mins);

  float maxScale = 0.0f, maxMin = 0.0f;
  for (int s = 0; s < kQ4Subs; ++s) {
    if (scales[s] > maxScale) maxScale = scales[s];
    if (mins[s] > maxMin) maxMin = mins[s];
  }
  // Scales and mins to 6 bits each, relative to the largest.
  const float invScale = maxScale > 0.0f ? 63.0f / maxScale : 0.0f;
  const float invMin = maxMin > 0.0f ? 63.0f / maxMin : 0.0f;
  uint8_t* FD_RESTRICT packed = y + 4;
  std::memset(packed, 0, 12);
  int sc6[kQ4Subs], m6[kQ4Subs];
  for (int s = 0; s < kQ4Subs; ++s) {
    // ggml stores nearest_int into a uint8_t before capping at 63.
    const uint8_t ls = static_cast<uint8_t>(nearestInt(invScale * scales[s]));
    const uint8_t lm = static_cast<uint8_t>(nearestInt(invMin * mins[s]));
    sc6[s] = ls < 63 ? ls : 63;
    m6[s] = lm < 63 ? lm : 63;
    if (s < 4) {
      packed[s] = static_cast<uint8_t>(sc6[s]);
      packed[s + 4] = static_cast<uint8_t>(m6[s]);
    } else {
      packed[s + 4] = static_cast<uint8_t>((sc6[s] & 0x0F) | ((m6[s] & 0x0F) << 4));
      packed[s - 4] |= static_cast<uint8_t>((sc6[s] >> 4) << 6);
      packed[s] |= static_cast<uint8_t>((m6[s] >> 4) << 6);
    }
  }
  const uint16_t dHalf = floatToHalf(maxScale / 63.0f);
  const uint16_t dminHalf = floatToHalf(maxMin / 63.0f);
  storeU16(y, dHalf);
  storeU16(y + 2, dminHalf);

  // Final quants against the stored (rounded) scales; a sub-block whose
  // scale rounded to 0 keeps the search's quants, as in ggml.
  const float d = halfToFloat(dHalf), dmin = halfToFloat(dminHalf);
  uint8_t q[kQKK];
  for (int s = 0; s < kQ4Subs; ++s) {
    const float* sub = x + kQ4Len * s;
    const float ds = d * static_cast<float>(sc6[s]);
    if (ds == 0.0f) {
      for (int i = 0; i < kQ4Len; ++i) q[kQ4Len * s + i] = static_cast<uint8_t>(L[i][s]);
      continue;
    }
    const float dm = dmin * static_cast<float>(m6[s]);
    for (int i = 0; i < kQ4Len; ++i)
      q[kQ4Len * s + i] = static_cast<uint8_t>(clampInt(nearestInt((sub[i] + dm) / ds), 0, 15));
  }
  // 32 bytes per 64 values: sub-block 2c in the low nibbles, 2c+1 high.
  uint8_t* FD_RESTRICT qs = y + 16;
  for (int c = 0; c < 4; ++c)
    for (int l = 0; l < 32; ++l)
      qs[32 * c + l] = static_cast<uint8_t>(q[64 * c + l] | (q[64 * c + 32 + l] << 4));
}

// ---- q6_K: 16 sub-blocks of 16, 6-bit quants with a signed 8-bit scale.

constexpr int kQ6Subs = 16;
constexpr int kQ6Len = 16;
constexpr int kQ6Max = 32;

// make_qx_quants(16, 32, x, L, rmse_type 1 (weights x^2), no qw) for the 16
// sub-blocks at once. L gets the quants as levels -32..31 (ggml keeps them
// plus 32); returns the scales.
void searchScaleQ6K(const float (&x)[kQ6Len][kQ6Subs], float (&L)[kQ6Len][kQ6Subs],
                    float (&scale)[kQ6Subs]) {
  constexpr float kGroupMaxEps = 1e-15f;
  float max[kQ6Subs] = {}, amax[kQ6Subs] = {};
  for (int i = 0; i < kQ6Len; ++i) {
    for (int s = 0; s < kQ6Subs; ++s) {
      const float ax = std::fabs(x[i][s]);
      const bool larger = ax > amax[s];
      amax[s] = larger ? ax : amax[s];
      max[s] = larger ? x[i][s] : max[s];
    }
  }
  // ggml's weight x^2 and its product with x, each rounded as ggml does.
  float w[kQ6Len][kQ6Subs], wx[kQ6Len][kQ6Subs];
  for (int i = 0; i < kQ6Len; ++i) {
    for (int s = 0; s < kQ6Subs; ++s) {
      w[i][s] = x[i][s] * x[i][s];
      wx[i][s] = w[i][s] * x[i][s];
    }
  }
  float iscale[kQ6Subs], sumLX[kQ6Subs] = {}, sumL2[kQ6Subs] = {};
  for (int s = 0; s < kQ6Subs; ++s) iscale[s] = -static_cast<float>(kQ6Max) / max[s];
  for (int i = 0; i < kQ6Len; ++i)
    for (int s = 0; s < kQ6Subs; ++s) L[i][s] = level(iscale[s] * x[i][s], -kQ6Max, kQ6Max - 1);
  for (int i = 0; i < kQ6Len; ++i)
    for (int s = 0; s < kQ6Subs; ++s) sumLX[s] += wx[i][s] * L[i][s];
  for (int i = 0; i < kQ6Len; ++i)
    for (int s = 0; s < kQ6Subs; ++s) sumL2[s] += w[i][s] * L[i][s] * L[i][s];
  // The quants of the best candidate are recomputed from its iscale at the
  // end (the same numbers) rather than copied at every improvement.
  float best[kQ6Subs], bestIscale[kQ6Subs];
  for (int s = 0; s < kQ6Subs; ++s) {
    scale[s] = sumL2[s] != 0.0f ? sumLX[s] / sumL2[s] : 0.0f;
    best[s] = scale[s] * sumLX[s];
    bestIscale[s] = iscale[s];
  }
  for (int step = -9; step <= 9; ++step) {
    if (step == 0) continue;
    float trial[kQ6Len][kQ6Subs];
    float slx[kQ6Subs] = {}, sl2[kQ6Subs] = {};
    for (int s = 0; s < kQ6Subs; ++s)
      iscale[s] = -(static_cast<float>(kQ6Max) + 0.1f * static_cast<float>(step)) / max[s];
    for (int i = 0; i < kQ6Len; ++i)
      for (int s = 0; s < kQ6Subs; ++s)
        trial[i][s] = level(iscale[s] * x[i][s], -kQ6Max, kQ6Max - 1);
    for (int i = 0; i < kQ6Len; ++i)
      for (int s = 0; s < kQ6Subs; ++s) slx[s] += wx[i][s] * trial[i][s];
    for (int i = 0; i < kQ6Len; ++i)
      for (int s = 0; s < kQ6Subs; ++s) sl2[s] += w[i][s] * trial[i][s] * trial[i][s];
    for (int s = 0; s < kQ6Subs; ++s) {
      const bool better = (sl2[s] > 0.0f) & (slx[s] * slx[s] > best[s] * sl2[s]);
      const float newScale = slx[s] / sl2[s];
      scale[s] = better ? newScale : scale[s];
      best[s] = better ? newScale * slx[s] : best[s];
      bestIscale[s] = better ? iscale[s] : bestIscale[s];
    }
  }
  for (int i = 0; i < kQ6Len; ++i)
    for (int s = 0; s < kQ6Subs; ++s) L[i][s] = level(bestIscale[s] * x[i][s], -kQ6Max, kQ6Max - 1);
  for (int s = 0; s < kQ6Subs; ++s) {
    if (amax[s] < kGroupMaxEps) {  // all (near) zero: ggml returns at once, quants 0
      for (int i = 0; i < kQ6Len; ++i) L[i][s] = -static_cast<float>(kQ6Max);
      scale[s] = 0.0f;
    }
  }
}

void quantizeBlockQ6K(const float* FD_RESTRICT x, uint8_t* FD_RESTRICT y) {
  constexpr float kGroupMaxEps = 1e-15f;
  float xs[kQ6Len][kQ6Subs];
  for (int s = 0; s < kQ6Subs; ++s)
    for (int i = 0; i < kQ6Len; ++i) xs[i][s] = x[kQ6Len * s + i];
  float L[kQ6Len][kQ6Subs];
  float scales[kQ6Subs];
  searchScaleQ6K(xs, L, scales);

  float maxScale = 0.0f, maxAbsScale = 0.0f;
  for (int s = 0; s < kQ6Subs; ++s) {
    if (std::fabs(scales[s]) > maxAbsScale) {
      maxAbsScale = std::fabs(scales[s]);
      maxScale = scales[s];
    }
  }
  if (maxAbsScale < kGroupMaxEps) {
    std::memset(y, 0, 210);
    return;
  }
  const float iscale = -128.0f / maxScale;
  const uint16_t dHalf = floatToHalf(1.0f / iscale);
  storeU16(y + 208, dHalf);
  int8_t* FD_RESTRICT sc = reinterpret_cast<int8_t*>(y + 192);
  for (int s = 0; s < kQ6Subs; ++s) {
    const int l = nearestInt(iscale * scales[s]);
    sc[s] = static_cast<int8_t>(l < 127 ? l : 127);
  }
  const float d = halfToFloat(dHalf);
  uint8_t q[kQKK];
  for (int s = 0; s < kQ6Subs; ++s) {
    const float ds = d * static_cast<float>(sc[s]);
    if (ds == 0.0f) {  // keeps the search's quants, as ggml
      for (int i = 0; i < kQ6Len; ++i)
        q[kQ6Len * s + i] = static_cast<uint8_t>(static_cast<int>(L[i][s]) + kQ6Max);
      continue;
    }
    for (int i = 0; i < kQ6Len; ++i) {
      const int l = clampInt(nearestInt(x[kQ6Len * s + i] / ds), -32, 31);
      q[kQ6Len * s + i] = static_cast<uint8_t>(l + 32);
    }
  }
  // Per 128 values: ql gets the low nibbles of values l and l+64 (byte l)
  // and of l+32 and l+96 (byte l+32); qh[l] the high 2 bits of all four.
  for (int half = 0; half < 2; ++half) {
    uint8_t* FD_RESTRICT ql = y + 64 * half;
    uint8_t* FD_RESTRICT qh = y + 128 + 32 * half;
    const uint8_t* v = q + 128 * half;
    for (int l = 0; l < 32; ++l) {
      ql[l] = static_cast<uint8_t>((v[l] & 0x0F) | ((v[l + 64] & 0x0F) << 4));
      ql[l + 32] = static_cast<uint8_t>((v[l + 32] & 0x0F) | ((v[l + 96] & 0x0F) << 4));
      qh[l] = static_cast<uint8_t>((v[l] >> 4) | ((v[l + 32] >> 4) << 2) | ((v[l + 64] >> 4) << 4) |
                                   ((v[l + 96] >> 4) << 6));
    }
  }
}

}  // namespace

void quantizeQ4_K(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) quantizeBlockQ4K(src + kQKK * b, dst + 144 * b);
}

void quantizeQ6_K(const float* FD_RESTRICT src, uint8_t* FD_RESTRICT dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) quantizeBlockQ6K(src + kQKK * b, dst + 210 * b);
}

}  // namespace fd::ggml
