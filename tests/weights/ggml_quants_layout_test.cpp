// weights/ggml_quants.h's dequantizers against blocks packed here from
// chosen quants and scales, following the layouts of ggml-common.h as
// written out in the packers below; expected values are computed with
// ggml's order of float operations, so the comparison is bit for bit, for
// float32 and bfloat16 output. (Agreement with ggml's own output is
// golden_gguf_dequant's job.)

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "weights/ggml_quants.h"
#include "weights/ggml_quants_test_util.h"

namespace fd::test {
namespace {

// ---- 32-value blocks -------------------------------------------------------

TEST(GgmlDequantize, Q8_0KnownValuesAndScaleEdges) {
  for (uint16_t dHalf : {0x3800, 0x0001, 0x03FF, 0x8000, 0x7BFF}) {
    SCOPED_TRACE("d = 0x" + std::to_string(dHalf));
    std::vector<uint8_t> block(34);
    putHalf(block, 0, dHalf);
    std::vector<float> want(32);
    for (int j = 0; j < 32; ++j) {
      const int q = j * 8 - 128;  // -128 .. 120
      block[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(q));
      want[j] = static_cast<float>(q) * halfValue(dHalf);
    }
    expectValues(DType::Q8_0, block, want);
  }
  // d = 0.5: value j is (8j - 128) / 2; with d = -0 the signs flip.
  std::vector<uint8_t> block(34, 0);
  putHalf(block, 0, 0x8000);
  block[2] = 5;
  block[3] = static_cast<uint8_t>(-5);
  const auto got = dequantized(DType::Q8_0, block, 32);
  EXPECT_TRUE(std::signbit(got[0]) && got[0] == 0.0f);  // 5 * -0 = -0
  EXPECT_FALSE(std::signbit(got[1]));                   // -5 * -0 = +0
  EXPECT_TRUE(std::signbit(got[2]));                    // 0 * -0 = -0
}

TEST(GgmlDequantize, Q4AndQ5BlocksMatchTheirLayout) {
  Rng rng;
  for (DType type : {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1}) {
    SCOPED_TRACE(dtypeDisplayName(type));
    const bool hasMin = type == DType::Q4_1 || type == DType::Q5_1;
    const bool fiveBits = type == DType::Q5_0 || type == DType::Q5_1;
    const int blocks = 40;
    const size_t size = static_cast<size_t>(blockBytes(type));
    std::vector<uint8_t> bytes(size * blocks, 0);
    std::vector<float> want;
    for (int b = 0; b < blocks; ++b) {
      const size_t at = size * b;
      const uint16_t dHalf = rng.scaleHalf(), mHalf = rng.scaleHalf();
      putHalf(bytes, at, dHalf);
      if (hasMin) putHalf(bytes, at + 2, mHalf);
      const size_t qh = at + (hasMin ? 4 : 2);
      const size_t qs = qh + (fiveBits ? 4 : 0);
      const float d = halfValue(dHalf), m = halfValue(mHalf);
      for (int j = 0; j < 32; ++j) {
        const int q = rng.below(fiveBits ? 32 : 16);
        // Value j < 16 is the low nibble of byte j, value j >= 16 the high
        // nibble of byte j - 16; the fifth bit is bit j of little-endian qh.
        bytes[qs + j % 16] |= static_cast<uint8_t>((q & 15) << (j < 16 ? 0 : 4));
        if (q & 16) bytes[qh + j / 8] |= static_cast<uint8_t>(1 << (j % 8));
        const int offset = fiveBits ? 16 : 8;
        want.push_back(hasMin ? static_cast<float>(q) * d + m : static_cast<float>(q - offset) * d);
      }
    }
    expectValues(type, bytes, want);
  }
}

// ---- k-quants: packers written from the layouts ---------------------------

// 2-bit planes of q2_K / q3_K: value i = 128c + 32p + l sits in byte
// 32c + l at bits 2p.
void put2BitQuant(std::vector<uint8_t>& bytes, size_t qs, int i, int q) {
  bytes[qs + 32 * (i / 128) + i % 32] |= static_cast<uint8_t>(q << (2 * ((i % 128) / 32)));
}

// One bit per value (q3_K hmask, q5_K qh): byte i % 32, bit i / 32.
void putHighBit(std::vector<uint8_t>& bytes, size_t at, int i, int bit) {
  if (bit) bytes[at + i % 32] |= static_cast<uint8_t>(1 << (i / 32));
}

// q4_K / q5_K nibbles: value i = 64c + 32h + l in byte 32c + l, nibble h.
void putNibble(std::vector<uint8_t>& bytes, size_t qs, int i, int q) {
  bytes[qs + 32 * (i / 64) + i % 32] |= static_cast<uint8_t>((q & 15) << (4 * ((i % 64) / 32)));
}

// The 12 bytes of q4_K / q5_K 6-bit scales and mins: bytes 0-3 hold scales
// 0-3 in their low 6 bits, bytes 4-7 mins 0-3; bytes 8-11 hold the low
// nibbles of scale (low half) and min (high half) 4-7, whose top two bits
// are the top bits of bytes 0-3 (scales) and 4-7 (mins).
void putScalesMinsK4(std::vector<uint8_t>& bytes, size_t at, const int (&sc)[8],
                     const int (&m)[8]) {
  for (int j = 0; j < 4; ++j) {
    bytes[at + j] = static_cast<uint8_t>(sc[j] | ((sc[j + 4] >> 4) << 6));
    bytes[at + 4 + j] = static_cast<uint8_t>(m[j] | ((m[j + 4] >> 4) << 6));
    bytes[at + 8 + j] = static_cast<uint8_t>((sc[j + 4] & 15) | ((m[j + 4] & 15) << 4));
  }
}

// q3_K's 12 bytes of 16 6-bit scales: low nibbles of scales 0-7 in bytes
// 0-7, of scales 8-15 in the high nibbles of bytes 0-7; the top two bits of
// scale j in byte 8 + j % 4 at bit 2 * (j / 4).
void putScalesQ3K(std::vector<uint8_t>& bytes, size_t at, const int (&sc)[16]) {
  for (int j = 0; j < 16; ++j) {
    bytes[at + j % 8] |= static_cast<uint8_t>((sc[j] & 15) << (j < 8 ? 0 : 4));
    bytes[at + 8 + j % 4] |= static_cast<uint8_t>((sc[j] >> 4) << (2 * (j / 4)));
  }
}

TEST(GgmlDequantize, Q2_KMatchesLayout) {
  Rng rng;
  const int blocks = 24;
  std::vector<uint8_t> bytes(84 * blocks, 0);
  std::vector<float> want;
  for (int b = 0; b < blocks; ++b) {
    const size_t at = 84 * b;
    const uint16_t dHalf = rng.scaleHalf(), minHalf = rng.scaleHalf();
    putHalf(bytes, at + 80, dHalf);
    putHalf(bytes, at + 82, minHalf);
    for (int g = 0; g < 16; ++g) bytes[at + g] = static_cast<uint8_t>(rng.below(256));
    for (int i = 0; i < 256; ++i) {
      const int q = rng.below(4);
      put2BitQuant(bytes, at + 16, i, q);
      const int sc = bytes[at + i / 16] & 15, m = bytes[at + i / 16] >> 4;
      const float dl = halfValue(dHalf) * static_cast<float>(sc);
      const float ml = halfValue(minHalf) * static_cast<float>(m);
      want.push_back(dl * static_cast<float>(q) - ml);
    }
  }
  expectValues(DType::Q2_K, bytes, want);
}

TEST(GgmlDequantize, Q3_KMatchesLayout) {
  Rng rng;
  const int blocks = 24;
  std::vector<uint8_t> bytes(110 * blocks, 0);
  std::vector<float> want;
  for (int b = 0; b < blocks; ++b) {
    const size_t at = 110 * b;
    const uint16_t dHalf = rng.scaleHalf();
    putHalf(bytes, at + 108, dHalf);
    int sc[16];
    for (int& s : sc) s = rng.below(64);
    if (b == 0) {  // the extremes, -32 and +31
      sc[0] = 0;
      sc[15] = 63;
    }
    putScalesQ3K(bytes, at + 96, sc);
    for (int i = 0; i < 256; ++i) {
      const int v = rng.below(8) - 4;  // -4 .. 3
      // Stored as v + 4: two low bits, and a high bit that is set when
      // nothing is subtracted.
      put2BitQuant(bytes, at + 32, i, (v + 4) & 3);
      putHighBit(bytes, at, i, (v + 4) >> 2);
      const float dl = halfValue(dHalf) * static_cast<float>(sc[i / 16] - 32);
      want.push_back(dl * static_cast<float>(v));
    }
  }
  expectValues(DType::Q3_K, bytes, want);
}

TEST(GgmlDequantize, Q4_KAndQ5_KMatchLayout) {
  Rng rng;
  for (DType type : {DType::Q4_K, DType::Q5_K}) {
    SCOPED_TRACE(dtypeDisplayName(type));
    const bool fiveBits = type == DType::Q5_K;
    const size_t size = fiveBits ? 176 : 144;
    const int blocks = 24;
    std::vector<uint8_t> bytes(size * blocks, 0);
    std::vector<float> want;
    for (int b = 0; b < blocks; ++b) {
      const size_t at = size * b;
      const uint16_t dHalf = rng.scaleHalf(), minHalf = rng.scaleHalf();
      putHalf(bytes, at, dHalf);
      putHalf(bytes, at + 2, minHalf);
      int sc[8], m[8];
      for (int j = 0; j < 8; ++j) {
        sc[j] = rng.below(64);
        m[j] = rng.below(64);
      }
      if (b == 0) {  // all-ones in the split fields
        sc[7] = 63;
        m[4] = 63;
      }
      putScalesMinsK4(bytes, at + 4, sc, m);
      const size_t qs = at + (fiveBits ? 48 : 16);
      for (int i = 0; i < 256; ++i) {
        const int q = rng.below(fiveBits ? 32 : 16);
        putNibble(bytes, qs, i, q);
        if (fiveBits) putHighBit(bytes, at + 16, i, q >> 4);
        const float d1 = halfValue(dHalf) * static_cast<float>(sc[i / 32]);
        const float m1 = halfValue(minHalf) * static_cast<float>(m[i / 32]);
        want.push_back(d1 * static_cast<float>(q) - m1);
      }
    }
    expectValues(type, bytes, want);
  }
}

TEST(GgmlDequantize, Q6_KMatchesLayout) {
  Rng rng;
  const int blocks = 24;
  std::vector<uint8_t> bytes(210 * blocks, 0);
  std::vector<float> want;
  for (int b = 0; b < blocks; ++b) {
    const size_t at = 210 * b;
    const uint16_t dHalf = rng.scaleHalf();
    putHalf(bytes, at + 208, dHalf);
    int8_t sc[16];
    for (int8_t& s : sc) s = static_cast<int8_t>(rng.below(256) - 128);
    std::memcpy(&bytes[at + 192], sc, 16);
    for (int i = 0; i < 256; ++i) {
      const int q = rng.below(64);
      // Value i = 128n + 32k + l: low nibble in ql byte 64n + l (k even) or
      // 64n + 32 + l (k odd), nibble k / 2; high 2 bits in qh byte 32n + l
      // at bit 2k.
      const int n = i / 128, k = (i % 128) / 32, l = i % 32;
      bytes[at + 64 * n + 32 * (k % 2) + l] |= static_cast<uint8_t>((q & 15) << (4 * (k / 2)));
      bytes[at + 128 + 32 * n + l] |= static_cast<uint8_t>((q >> 4) << (2 * k));
      const float ds = halfValue(dHalf) * static_cast<float>(sc[i / 16]);
      want.push_back(ds * static_cast<float>(q - 32));
    }
  }
  expectValues(DType::Q6_K, bytes, want);
}

}  // namespace
}  // namespace fd::test
