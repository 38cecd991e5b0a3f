#pragma once
// Exact decoding of the two safetensors float8 formats to float32. Every
// float8 value is exactly representable in float32, so a 256-entry table
// per format decodes without rounding. Torch-free.

#include <array>
#include <cstdint>

namespace fd {

// F8_E4M3 ("e4m3fn"): 1 sign, 4 exponent (bias 7), 3 mantissa bits; no
// infinities, S.1111.111 (0x7F / 0xFF) is NaN, max normal 448, smallest
// subnormal 2^-9.
const std::array<float, 256>& float8E4M3Table();
// F8_E5M2: IEEE-754 style, 1 sign, 5 exponent (bias 15), 2 mantissa bits;
// exponent 31 is inf (mantissa 0) or NaN, max normal 57344, smallest
// subnormal 2^-16.
const std::array<float, 256>& float8E5M2Table();

}  // namespace fd
