// weights/ggml_quants.h without ggml: the f16 / bf16 / float8 conversions at
// their edges, quantize -> dequantize error bounds on random data, zero
// rows, errors. Block layouts are in ggml_quants_layout_test.cpp; agreement
// with ggml's own output and bytes is golden_gguf_dequant's job.

#include "weights/ggml_quants.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "weights/ggml_quants_test_util.h"

namespace fd::test {
namespace {

// ---- plain types and the conversions ---------------------------------------

TEST(GgmlDequantize, EveryHalfExactlyIncludingSubnormalsAndSignedZero) {
  std::vector<uint8_t> bytes(2 * 65536);
  for (int h = 0; h < 65536; ++h) putHalf(bytes, 2 * h, static_cast<uint16_t>(h));
  const auto got = dequantized(DType::F16, bytes, 65536);
  for (int h = 0; h < 65536; ++h) {
    const float want = halfValue(static_cast<uint16_t>(h));
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(got[h])) << "half 0x" << std::hex << h;
      EXPECT_EQ(std::signbit(got[h]), (h & 0x8000) != 0);
    } else {
      ASSERT_EQ(bitsOf(got[h]), bitsOf(want)) << "half 0x" << std::hex << h;
    }
  }
  EXPECT_EQ(bitsOf(got[0x8000]), 0x80000000u);    // -0
  EXPECT_EQ(got[0x0001], std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(got[0x7BFF], 65504.0f);
  EXPECT_EQ(got[0xFC00], -std::numeric_limits<float>::infinity());
}

TEST(GgmlQuantize, HalfRoundTripAndNearestEven) {
  // Every non-NaN half survives float -> half.
  std::vector<float> values;
  std::vector<uint16_t> halves;
  for (int h = 0; h < 65536; ++h) {
    if (std::isnan(halfValue(static_cast<uint16_t>(h)))) continue;
    values.push_back(halfValue(static_cast<uint16_t>(h)));
    halves.push_back(static_cast<uint16_t>(h));
  }
  auto bytes = quantized(DType::F16, values);
  for (size_t i = 0; i < halves.size(); ++i)
    ASSERT_EQ(bytes[2 * i] | (bytes[2 * i + 1] << 8), halves[i])
        << "half 0x" << std::hex << halves[i];

  struct Case {
    float value;
    uint16_t half;
  };
  const Case cases[] = {
      {1.0f + std::ldexp(1.0f, -11), 0x3C00},      // tie, even stays
      {1.0f + 3 * std::ldexp(1.0f, -11), 0x3C02},  // tie, odd rounds up
      {65519.0f, 0x7BFF},
      {65520.0f, 0x7C00},  // tie between 65504 and 65536 (inf)
      {1e9f, 0x7C00},
      {-1e9f, 0xFC00},
      {std::ldexp(1.0f, -25), 0x0000},           // tie between 0 and the smallest subnormal
      {std::ldexp(3.0f, -25), 0x0002},           // tie, odd up
      {std::ldexp(1.0f, -25) * 1.001f, 0x0001},  // just above the tie
      {-std::ldexp(1.0f, -25), 0x8000},
      {std::ldexp(2047.0f, -25), 0x0400},  // rounds up to the smallest normal
      {1e-40f, 0x0000},                    // a float subnormal
      {floatOf(0xFFC00001), 0xFE00},       // NaN keeps its sign
  };
  for (const Case& c : cases) {
    auto one = quantized(DType::F16, {c.value});
    EXPECT_EQ(one[0] | (one[1] << 8), c.half) << c.value;
  }

  // Random floats in the half range: the nearest half, ties to even.
  std::mt19937 rng(5);
  std::vector<float> random;
  for (int i = 0; i < 20000; ++i) {
    const uint32_t u = 0x33000000u + rng() % (0x477FF000u - 0x33000000u);  // below 65520
    random.push_back(floatOf(u | (rng() & 0x80000000u)));
  }
  bytes = quantized(DType::F16, random);
  for (size_t i = 0; i < random.size(); ++i) {
    const uint16_t h = static_cast<uint16_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8));
    const double x = random[i], err = std::fabs(x - halfValue(h));
    for (int delta : {-1, 1}) {
      const uint16_t other = static_cast<uint16_t>(h + delta);
      if ((other & 0x7FFF) > 0x7C00 || ((other ^ h) & 0x8000)) continue;
      const double otherErr = std::fabs(x - halfValue(other));
      ASSERT_LE(err, otherErr) << x;
      if (err == otherErr) {
        ASSERT_EQ(h & 1, 0) << x << ": a tie must go to the even half";
      }
    }
  }
}

TEST(GgmlDequantize, Bf16RoundsToNearestEvenAndKeepsNaN) {
  const uint32_t inputs[] = {0x3F808000,  // tie, even (0x3F80) stays
                             0x3F818000,  // tie, odd rounds up to 0x3F82
                             0x3F808001, 0x3F807FFF, 0x80000000, 0x00000001, 0x7F7FFFFF,
                             0xFF800000, 0x7FC00001, 0xFF800001, 0x7F800001};
  const uint16_t want[] = {0x3F80, 0x3F82, 0x3F81, 0x3F80, 0x8000, 0x0000,
                           0x7F80, 0xFF80, 0x7FC0, 0x7FC0, 0x7FC0};
  // Rows are converted 8 values at a time with a scalar tail: shifting the
  // inputs along a row sends each one through both.
  const size_t n = std::size(inputs);
  for (size_t shift = 0; shift < 8; ++shift) {
    std::vector<uint32_t> row(shift, 0x3F800000u);
    row.insert(row.end(), std::begin(inputs), std::end(inputs));
    std::vector<uint8_t> bytes(row.size() * 4);
    std::memcpy(bytes.data(), row.data(), bytes.size());
    const auto got = dequantizedBf16(DType::F32, bytes, static_cast<int64_t>(row.size()));
    for (size_t i = 0; i < n; ++i)
      EXPECT_EQ(got[shift + i], want[i])
          << "float 0x" << std::hex << inputs[i] << " at " << shift + i;
  }

  // bf16 in, bf16 out: unchanged, NaN payload and all.
  const std::vector<uint8_t> stored = {0x80, 0x3F, 0x81, 0x7F, 0x00, 0x80, 0xC1, 0xFF};
  const auto same = dequantizedBf16(DType::BF16, stored, 4);
  EXPECT_EQ(same, (std::vector<uint16_t>{0x3F80, 0x7F81, 0x8000, 0xFFC1}));
  // f16 1 + 2^-10 is a tie in bfloat16: goes to 1.0.
  EXPECT_EQ(dequantizedBf16(DType::F16, {0x01, 0x3C}, 1)[0], 0x3F80);
}

TEST(GgmlQuantize, Bf16FollowsGgml) {
  // ggml makes a NaN quiet and keeps its sign and payload (unlike torch).
  const std::vector<float> values = {1.0f, floatOf(0x3F818000), floatOf(0x7F800001),
                                     floatOf(0xFF812345), -0.0f};
  const auto bytes = quantized(DType::BF16, values);
  const uint16_t want[] = {0x3F80, 0x3F82, 0x7FC0, 0xFFC1, 0x8000};
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(bytes[2 * i] | (bytes[2 * i + 1] << 8), want[i]) << i;
}

TEST(GgmlDequantize, Float8) {
  const std::vector<uint8_t> e4m3 = {0x38, 0xB8, 0x7E, 0x01, 0x7F};
  const auto a = dequantized(DType::F8_E4M3, e4m3, 5);
  EXPECT_EQ(a[0], 1.0f);
  EXPECT_EQ(a[1], -1.0f);
  EXPECT_EQ(a[2], 448.0f);
  EXPECT_EQ(a[3], std::ldexp(1.0f, -9));
  EXPECT_TRUE(std::isnan(a[4]));
  const std::vector<uint8_t> e5m2 = {0x3C, 0x7B, 0x7C, 0x01};
  const auto b = dequantized(DType::F8_E5M2, e5m2, 4);
  EXPECT_EQ(b[0], 1.0f);
  EXPECT_EQ(b[1], 57344.0f);
  EXPECT_TRUE(std::isinf(b[2]));
  EXPECT_EQ(b[3], std::ldexp(1.0f, -16));
  EXPECT_EQ(dequantizedBf16(DType::F8_E4M3, e4m3, 5)[0], 0x3F80);
}

// Long rows go through the bfloat16 path in chunks: every type, many blocks,
// bf16 equal to the float32 output rounded.
TEST(GgmlDequantize, Bf16OfLongRowsIsTheRoundedFloat) {
  std::mt19937 rng(9);
  for (DType type :
       {DType::F32, DType::F16, DType::F8_E5M2, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1,
        DType::Q8_0, DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K}) {
    SCOPED_TRACE(dtypeDisplayName(type));
    const int64_t count = blockValues(type) == 1 ? 10007 : 256 * 37;
    std::vector<uint8_t> bytes(*storageBytes(type, count));
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    const auto f = dequantized(type, bytes, count);
    const auto h = dequantizedBf16(type, bytes, count);
    for (int64_t i = 0; i < count; ++i) ASSERT_EQ(h[i], torchBf16(f[i])) << i;
  }
}

// ---- quantizing ------------------------------------------------------------

struct Block {
  float amax = 0, min = 0, max = 0;
};

Block statsOf(const float* x, int64_t n) {
  Block b{0, x[0], x[0]};
  for (int64_t i = 0; i < n; ++i) {
    b.amax = std::max(b.amax, std::fabs(x[i]));
    b.min = std::min(b.min, x[i]);
    b.max = std::max(b.max, x[i]);
  }
  return b;
}

// The largest error a type's scheme allows for one scale group of values
// (the step of its grid, half of it where the grid spans the group's range,
// plus the f16 rounding of the stored scales). The k-quants also round each
// group's scale (and min) to 6 or 8 bits relative to the largest in the
// super-block (`super`: amax the largest magnitude, max the largest range
// of its groups).
double errorBound(DType type, const Block& g, const Block& super) {
  const double f16 = std::ldexp(1.0, -10);
  const double range = g.max - std::min(0.0f, g.min);
  switch (type) {
    case DType::Q8_0: return g.amax / 254.0 * 1.01 + g.amax * f16;
    case DType::Q4_0: return g.amax / 8.0 * 1.01 + g.amax * f16;
    case DType::Q5_0: return g.amax / 16.0 * 1.01 + g.amax * f16;
    case DType::Q4_1: return (g.max - g.min) / 30.0 * 1.01 + (g.amax + g.max - g.min) * f16;
    case DType::Q5_1: return (g.max - g.min) / 62.0 * 1.01 + (g.amax + g.max - g.min) * f16;
    case DType::Q4_K: return range / 15.0 + super.max / 63.0;
    case DType::Q6_K: return g.amax / 32.0 + super.amax / 128.0;
    case DType::F16: return g.amax * std::ldexp(1.0, -11);
    case DType::BF16: return g.amax * std::ldexp(1.0, -8);
    default: return 0.0;
  }
}

class GgmlQuantizeRoundTrip : public ::testing::TestWithParam<DType> {};

TEST_P(GgmlQuantizeRoundTrip, ErrorWithinTheBlockBound) {
  const DType type = GetParam();
  const int64_t perBlock = std::max<int64_t>(blockValues(type), 32);
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x;
  // Blocks of different shapes: normal at several scales, all positive,
  // an outlier, uniform.
  const int blocks = 48;
  for (int b = 0; b < blocks; ++b) {
    const float scale = std::ldexp(1.0f, (b % 12) - 8);
    for (int64_t i = 0; i < perBlock; ++i) {
      float v = normal(rng) * scale;
      if (b % 4 == 1) v = std::fabs(v);
      if (b % 4 == 2 && i == perBlock / 3) v *= 40.0f;
      if (b % 4 == 3) v = (static_cast<float>(rng() % 2001) - 1000.0f) / 1000.0f * scale;
      x.push_back(v);
    }
  }
  const auto bytes = quantized(type, x);
  const auto y = dequantized(type, bytes, static_cast<int64_t>(x.size()));
  // Bounds per scale group (32 values; 16 for q6_K), where the grid is set.
  const int64_t group = type == DType::Q6_K ? 16 : 32;
  double sumErr2 = 0, sumX2 = 0;
  for (int b = 0; b < blocks; ++b) {
    const float* block = &x[b * perBlock];
    Block super{0, 0, 0};
    for (int64_t g = 0; g < perBlock; g += group) {
      const Block stats = statsOf(block + g, group);
      super.amax = std::max(super.amax, stats.amax);
      super.max = std::max(super.max, stats.max - std::min(0.0f, stats.min));  // largest range
    }
    for (int64_t g = 0; g < perBlock; g += group) {
      const double bound = errorBound(type, statsOf(block + g, group), super);
      for (int64_t i = g; i < g + group; ++i) {
        const float back = y[b * perBlock + i];
        const double err = std::fabs(static_cast<double>(back) - block[i]);
        ASSERT_LE(err, bound) << "block " << b << " value " << i << ": " << block[i]
                              << " came back as " << back;
        sumErr2 += err * err;
        sumX2 += static_cast<double>(block[i]) * block[i];
      }
    }
  }
  const double relativeRms = std::sqrt(sumErr2 / sumX2);
  // A sanity check of the whole row (dominated by the outlier blocks).
  const int bits = type == DType::Q8_0                          ? 8
                   : type == DType::Q6_K                        ? 6
                   : type == DType::Q5_0 || type == DType::Q5_1 ? 5
                   : type == DType::F16                         ? 11
                   : type == DType::BF16                        ? 8
                                                                : 4;
  const double rmsLimit = std::ldexp(4.0, -bits);
  EXPECT_LT(relativeRms, rmsLimit);
  std::printf("%-5s relative rms error %.4f\n", dtypeDisplayName(type), relativeRms);
}

TEST_P(GgmlQuantizeRoundTrip, ZeroRowsComeBackAsZeros) {
  const DType type = GetParam();
  const int64_t count = 512;
  const std::vector<float> zeros(count, 0.0f);
  for (float v : dequantized(type, quantized(type, zeros), count)) ASSERT_EQ(v, 0.0f);

  // A zero stretch (one scale group and more) inside otherwise normal values.
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> mixed(count);
  for (int64_t i = 0; i < count; ++i) mixed[i] = (i >= 32 && i < 96) ? 0.0f : normal(rng);
  const auto back = dequantized(type, quantized(type, mixed), count);
  for (int64_t i = 32; i < 96; ++i) ASSERT_EQ(back[i], 0.0f) << i;
}

INSTANTIATE_TEST_SUITE_P(Types, GgmlQuantizeRoundTrip,
                         ::testing::Values(DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0,
                                           DType::Q5_1, DType::Q4_K, DType::Q6_K, DType::F16,
                                           DType::BF16),
                         [](const ::testing::TestParamInfo<DType>& info) {
                           return std::string(safetensorsName(info.param));
                         });

TEST(GgmlQuantize, ZeroBlocksAreGgmlsBytes) {
  const std::vector<float> zeros(256, 0.0f);
  for (DType type : {DType::Q8_0, DType::Q4_K, DType::Q6_K}) {
    const auto bytes = quantized(type, zeros);
    EXPECT_TRUE(std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; }))
        << dtypeDisplayName(type);
  }
  // q4_0 keeps ggml's quirk: d = 0 / -8 = -0, every nibble 8.
  const auto q40 = quantized(DType::Q4_0, std::vector<float>(32, 0.0f));
  EXPECT_EQ(q40[0], 0x00);
  EXPECT_EQ(q40[1], 0x80);
  for (int j = 2; j < 18; ++j) EXPECT_EQ(q40[j], 0x88);
}

TEST(GgmlQuantize, F32IsACopy) {
  const std::vector<float> values = {1.5f, -0.0f, floatOf(0x7FC12345), 1e-42f};
  const auto bytes = quantized(DType::F32, values);
  EXPECT_EQ(std::memcmp(bytes.data(), values.data(), bytes.size()), 0);
}

// ---- errors ----------------------------------------------------------------

TEST(GgmlQuants, WhichTypesQuantize) {
  for (DType type : {DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q4_K,
                     DType::Q6_K, DType::F32, DType::F16, DType::BF16})
    EXPECT_TRUE(canQuantize(type)) << dtypeDisplayName(type);
  for (DType type : {DType::Q2_K, DType::Q3_K, DType::Q5_K, DType::F8_E4M3, DType::F8_E5M2,
                     DType::I8, DType::I32, DType::F64, DType::BOOL})
    EXPECT_FALSE(canQuantize(type)) << dtypeDisplayName(type);
}

void expectInternalError(const Status& status, const std::vector<std::string>& parts) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::Internal);
  for (const auto& part : parts)
    EXPECT_NE(status.error().message.find(part), std::string::npos)
        << "'" << status.error().message << "' does not mention " << part;
}

TEST(GgmlQuants, CountsThatAreNotWholeBlocksAreErrors) {
  std::vector<uint8_t> bytes(4096, 0);
  std::vector<float> floats(1024, 0.0f);
  std::vector<uint16_t> halves(1024, 0);
  expectInternalError(dequantizeRow(DType::Q8_0, bytes.data(), floats.data(), 33), {"33", "q8_0"});
  expectInternalError(dequantizeRow(DType::Q4_K, bytes.data(), floats.data(), 255),
                      {"255", "q4_K"});
  expectInternalError(dequantizeRow(DType::F16, bytes.data(), floats.data(), -1), {"-1"});
  expectInternalError(dequantizeRowBf16(DType::Q6_K, bytes.data(), halves.data(), 300), {"q6_K"});
  expectInternalError(quantizeRow(DType::Q4_0, floats.data(), bytes.data(), 48), {"48", "q4_0"});
  // Empty rows are fine.
  EXPECT_TRUE(dequantizeRow(DType::Q4_K, bytes.data(), floats.data(), 0).ok());
  EXPECT_TRUE(dequantizeRowBf16(DType::Q8_0, bytes.data(), halves.data(), 0).ok());
  EXPECT_TRUE(quantizeRow(DType::Q6_K, floats.data(), bytes.data(), 0).ok());
}

TEST(GgmlQuants, UnsupportedTypesAreErrors) {
  std::vector<uint8_t> bytes(1024, 0);
  std::vector<float> floats(256, 0.0f);
  std::vector<uint16_t> halves(256, 0);
  expectInternalError(dequantizeRow(DType::I32, bytes.data(), floats.data(), 4), {"i32"});
  expectInternalError(dequantizeRowBf16(DType::U8, bytes.data(), halves.data(), 4), {"u8"});
  expectInternalError(quantizeRow(DType::Q2_K, floats.data(), bytes.data(), 256), {"q2_K"});
  expectInternalError(quantizeRow(DType::F8_E4M3, floats.data(), bytes.data(), 4), {"f8_e4m3"});
}

}  // namespace
}  // namespace fd::test
