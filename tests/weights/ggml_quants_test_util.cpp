#include "weights/ggml_quants_test_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "weights/ggml_quants.h"

namespace fd::test {

uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

float floatOf(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

float halfValue(uint16_t h) {
  const int exponent = (h >> 10) & 31, mantissa = h & 1023;
  float magnitude;
  if (exponent == 0)
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  else if (exponent == 31)
    magnitude =
        mantissa ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  else
    magnitude = std::ldexp(static_cast<float>(1024 + mantissa), exponent - 25);
  return (h & 0x8000) ? -magnitude : magnitude;
}

uint16_t torchBf16(float f) {
  if (std::isnan(f)) return 0x7FC0;
  const uint32_t u = bitsOf(f);
  return static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

void putHalf(std::vector<uint8_t>& bytes, size_t at, uint16_t h) {
  bytes[at] = static_cast<uint8_t>(h);
  bytes[at + 1] = static_cast<uint8_t>(h >> 8);
}

std::vector<float> dequantized(DType type, const std::vector<uint8_t>& bytes, int64_t count) {
  std::vector<float> out(static_cast<size_t>(count), -12345.0f);
  const Status status = dequantizeRow(type, bytes.data(), out.data(), count);
  EXPECT_TRUE(status.ok()) << status.error().message;
  return out;
}

std::vector<uint16_t> dequantizedBf16(DType type, const std::vector<uint8_t>& bytes,
                                      int64_t count) {
  std::vector<uint16_t> out(static_cast<size_t>(count), 0xDEAD);
  const Status status = dequantizeRowBf16(type, bytes.data(), out.data(), count);
  EXPECT_TRUE(status.ok()) << status.error().message;
  return out;
}

std::vector<uint8_t> quantized(DType type, const std::vector<float>& values) {
  std::vector<uint8_t> out(*storageBytes(type, static_cast<int64_t>(values.size())), 0xAB);
  const Status status =
      quantizeRow(type, values.data(), out.data(), static_cast<int64_t>(values.size()));
  EXPECT_TRUE(status.ok()) << status.error().message;
  return out;
}

void expectValues(DType type, const std::vector<uint8_t>& bytes, const std::vector<float>& want) {
  const int64_t count = static_cast<int64_t>(want.size());
  const auto got = dequantized(type, bytes, count);
  const auto got16 = dequantizedBf16(type, bytes, count);
  int reported = 0;
  for (size_t i = 0; i < want.size() && reported < 5; ++i) {
    const bool same =
        bitsOf(got[i]) == bitsOf(want[i]) || (std::isnan(got[i]) && std::isnan(want[i]));
    if (!same) {
      ADD_FAILURE() << dtypeDisplayName(type) << " value " << i << ": got " << got[i] << " (0x"
                    << std::hex << bitsOf(got[i]) << "), want " << want[i] << " (0x"
                    << bitsOf(want[i]) << ")" << std::dec;
      ++reported;
    }
    if (got16[i] != torchBf16(want[i]) && reported < 5) {
      ADD_FAILURE() << dtypeDisplayName(type) << " bf16 value " << i << ": got 0x" << std::hex
                    << got16[i] << ", want 0x" << torchBf16(want[i]) << std::dec;
      ++reported;
    }
  }
}

}  // namespace fd::test
