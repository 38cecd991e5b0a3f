#include "weights/float8.h"

#include <cmath>
#include <limits>

namespace fd {

namespace {

// Decodes one byte of a float8 format with `exponentBits` exponent bits and
// `mantissaBits` mantissa bits (1 + e + m = 8). `ieeeSpecials`: the top
// exponent means inf/NaN (e5m2); otherwise only all-ones is NaN (e4m3fn).
float decodeFloat8(uint8_t byte, int exponentBits, int mantissaBits, bool ieeeSpecials) {
  const int bias = (1 << (exponentBits - 1)) - 1;
  const int maxExponent = (1 << exponentBits) - 1;
  const bool negative = byte & 0x80;
  const int exponent = (byte >> mantissaBits) & maxExponent;
  const int mantissa = byte & ((1 << mantissaBits) - 1);
  const int maxMantissa = (1 << mantissaBits) - 1;

  float magnitude;
  if (ieeeSpecials && exponent == maxExponent) {
    magnitude = mantissa == 0 ? std::numeric_limits<float>::infinity()
                              : std::numeric_limits<float>::quiet_NaN();
  } else if (!ieeeSpecials && exponent == maxExponent && mantissa == maxMantissa) {
    magnitude = std::numeric_limits<float>::quiet_NaN();
  } else if (exponent == 0) {
    // Subnormal: mantissa * 2^(1 - bias - mantissaBits); ldexp is exact here.
    magnitude = std::ldexp(static_cast<float>(mantissa), 1 - bias - mantissaBits);
  } else {
    magnitude = std::ldexp(static_cast<float>((1 << mantissaBits) + mantissa),
                           exponent - bias - mantissaBits);
  }
  return negative ? -magnitude : magnitude;
}

std::array<float, 256> buildTable(int exponentBits, int mantissaBits, bool ieeeSpecials) {
  std::array<float, 256> table{};
  for (int byte = 0; byte < 256; ++byte)
    table[byte] =
        decodeFloat8(static_cast<uint8_t>(byte), exponentBits, mantissaBits, ieeeSpecials);
  return table;
}

}  // namespace

const std::array<float, 256>& float8E4M3Table() {
  // Built once, on first use (thread-safe static initialisation).
  static const std::array<float, 256> table = buildTable(4, 3, false);
  return table;
}

const std::array<float, 256>& float8E5M2Table() {
  static const std::array<float, 256> table = buildTable(5, 2, true);
  return table;
}

}  // namespace fd
