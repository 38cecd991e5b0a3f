#pragma once
// Elementwise tolerance check used by every golden test:
// |actual - expected| <= atol + rtol * |expected|, computed in float64.

#include <torch/torch.h>

#include <string>

namespace fd::test {

struct CompareReport {
  bool pass = false;
  double maxAbs = 0;  // max |actual - expected|
  double maxRel = 0;  // max |actual - expected| / max(|expected|, tiny)
  double meanAbs = 0;
  int64_t failures = 0;    // elements outside the tolerance (NaN counts)
  std::string shapeError;  // non-empty when shapes differ
  std::string summary() const;
};

CompareReport compareTensors(const torch::Tensor& actual, const torch::Tensor& expected,
                             double atol, double rtol);

}  // namespace fd::test
