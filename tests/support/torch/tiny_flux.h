#pragma once
// The tiny FLUX transformer the unit tests share: hidden 32, 2 heads, one
// double and two single blocks, rope axes 4+6+6, small random weights.

#include <cstdint>

#include "models/flux_model.h"

namespace fd::test {

FluxParams tinyFluxParams(bool guidance);
// Weights ~ N(0, 0.1) from `seed` (parameters are allocated uninitialised).
FluxModel tinyFluxModel(bool guidance = false, uint64_t seed = 7);

}  // namespace fd::test
