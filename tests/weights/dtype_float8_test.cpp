// DType names/sizes and the exact float8 decoding tables.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>

#include "weights/dtype.h"
#include "weights/float8.h"

namespace fd {
namespace {

uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

TEST(DType, NamesAndSizesFollowSafetensors) {
  struct Row {
    DType dtype;
    const char* name;
    size_t size;
    bool floating;
  };
  const Row rows[] = {
      {DType::F64, "F64", 8, true},         {DType::F32, "F32", 4, true},
      {DType::F16, "F16", 2, true},         {DType::BF16, "BF16", 2, true},
      {DType::I64, "I64", 8, false},        {DType::I32, "I32", 4, false},
      {DType::I16, "I16", 2, false},        {DType::I8, "I8", 1, false},
      {DType::U8, "U8", 1, false},          {DType::BOOL, "BOOL", 1, false},
      {DType::F8_E4M3, "F8_E4M3", 1, true}, {DType::F8_E5M2, "F8_E5M2", 1, true},
  };
  for (const auto& row : rows) {
    EXPECT_STREQ(safetensorsName(row.dtype), row.name);
    EXPECT_EQ(dtypeSize(row.dtype), row.size) << row.name;
    EXPECT_EQ(isFloatingPoint(row.dtype), row.floating) << row.name;
    auto parsed = dtypeFromSafetensorsName(row.name);
    ASSERT_TRUE(parsed.has_value()) << row.name;
    EXPECT_EQ(*parsed, row.dtype);
  }
  for (const char* unknown : {"", "f32", "F4", "F8_E4M3FN", "FLOAT", "U16", "C64"})
    EXPECT_FALSE(dtypeFromSafetensorsName(unknown).has_value()) << unknown;
}

TEST(Float8E4M3, SpecialValuesMatchHandComputedOnes) {
  const auto& t = float8E4M3Table();
  EXPECT_EQ(t[0x00], 0.0f);
  EXPECT_FALSE(std::signbit(t[0x00]));
  EXPECT_EQ(t[0x80], 0.0f);
  EXPECT_TRUE(std::signbit(t[0x80]));
  EXPECT_EQ(t[0x38], 1.0f);    // 0 0111 000: 2^(7-7)
  EXPECT_EQ(t[0x3C], 1.5f);    // 0 0111 100
  EXPECT_EQ(t[0xC0], -2.0f);   // 1 1000 000
  EXPECT_EQ(t[0x7E], 448.0f);  // 0 1111 110: 1.75 * 2^8, the max
  EXPECT_EQ(t[0xFE], -448.0f);
  EXPECT_EQ(t[0x77], 240.0f);            // 0 1110 111: 1.875 * 2^7
  EXPECT_EQ(t[0x08], 0.015625f);         // min normal 2^-6
  EXPECT_EQ(t[0x01], 0.001953125f);      // min subnormal 2^-9
  EXPECT_EQ(t[0x07], 7 * 0.001953125f);  // max subnormal 7 * 2^-9
  EXPECT_EQ(t[0x81], -0.001953125f);
  EXPECT_TRUE(std::isnan(t[0x7F]));
  EXPECT_TRUE(std::isnan(t[0xFF]));
  int nans = 0;
  for (float v : t) {
    nans += std::isnan(v);
    EXPECT_FALSE(std::isinf(v)) << "e4m3fn has no infinity";
  }
  EXPECT_EQ(nans, 2);
}

TEST(Float8E5M2, SpecialValuesMatchHandComputedOnes) {
  const auto& t = float8E5M2Table();
  EXPECT_EQ(t[0x00], 0.0f);
  EXPECT_FALSE(std::signbit(t[0x00]));
  EXPECT_TRUE(std::signbit(t[0x80]));
  EXPECT_EQ(t[0x80], 0.0f);
  EXPECT_EQ(t[0x3C], 1.0f);      // 0 01111 00
  EXPECT_EQ(t[0x3E], 1.5f);      // 0 01111 10
  EXPECT_EQ(t[0x7B], 57344.0f);  // 0 11110 11: 1.75 * 2^15, the max
  EXPECT_EQ(t[0xFB], -57344.0f);
  EXPECT_EQ(t[0x04], 6.103515625e-05f);    // min normal 2^-14
  EXPECT_EQ(t[0x01], 1.52587890625e-05f);  // min subnormal 2^-16
  EXPECT_EQ(t[0x03], 3 * 1.52587890625e-05f);
  EXPECT_EQ(t[0x7C], INFINITY);
  EXPECT_EQ(t[0xFC], -INFINITY);
  for (int b : {0x7D, 0x7E, 0x7F, 0xFD, 0xFE, 0xFF}) EXPECT_TRUE(std::isnan(t[b])) << b;
  int nans = 0, infs = 0;
  for (float v : t) {
    nans += std::isnan(v);
    infs += std::isinf(v);
  }
  EXPECT_EQ(nans, 6);
  EXPECT_EQ(infs, 2);
}

// Builds the float32 bit pattern of a normal float8 value directly (sign,
// rebiased exponent, mantissa shifted to the top): an encoding independent
// of the table's arithmetic, proving the table values are exact.
uint32_t float32BitsOfNormal(uint8_t byte, int mantissaBits, int bias) {
  const int exponentMask = (1 << (7 - mantissaBits)) - 1;
  const uint32_t sign = (byte & 0x80u) << 24;
  const int exponent = (byte >> mantissaBits) & exponentMask;
  const uint32_t mantissa = byte & ((1u << mantissaBits) - 1);
  return sign | static_cast<uint32_t>(exponent - bias + 127) << 23 |
         mantissa << (23 - mantissaBits);
}

void expectExactAndInjective(const std::array<float, 256>& table, int mantissaBits, int bias,
                             int maxExponent, bool topExponentIsSpecial) {
  std::set<uint32_t> seen;
  for (int byte = 0; byte < 256; ++byte) {
    const float v = table[byte];
    if (std::isnan(v)) continue;
    const int exponent = (byte >> mantissaBits) & ((1 << (7 - mantissaBits)) - 1);
    const int mantissa = byte & ((1 << mantissaBits) - 1);
    if (exponent == 0) {
      // Subnormal: mantissa * 2^(1 - bias - mantissaBits), computed in double.
      const double expected =
          (byte & 0x80 ? -1.0 : 1.0) * mantissa * std::pow(2.0, 1 - bias - mantissaBits);
      EXPECT_EQ(static_cast<double>(v), expected) << "byte " << byte;
    } else if (!(topExponentIsSpecial && exponent == maxExponent)) {
      EXPECT_EQ(bitsOf(v), float32BitsOfNormal(static_cast<uint8_t>(byte), mantissaBits, bias))
          << "byte " << byte;
    }
    // float32 -> double -> float32 keeps every value (exactly representable).
    EXPECT_EQ(bitsOf(static_cast<float>(static_cast<double>(v))), bitsOf(v));
    EXPECT_TRUE(seen.insert(bitsOf(v)).second) << "two bytes decode to one value: " << byte;
  }
  // Positive codes increase strictly with the byte (up to the specials).
  for (int byte = 1; byte < 0x80; ++byte) {
    if (!std::isnan(table[byte]) && !std::isnan(table[byte - 1])) {
      EXPECT_LT(table[byte - 1], table[byte]) << "byte " << byte;
    }
  }
}

TEST(Float8E4M3, EveryNonNanValueIsExactInFloat32) {
  expectExactAndInjective(float8E4M3Table(), 3, 7, 15, false);
}

TEST(Float8E5M2, EveryFiniteValueIsExactInFloat32) {
  expectExactAndInjective(float8E5M2Table(), 2, 15, 31, true);
}

}  // namespace
}  // namespace fd
