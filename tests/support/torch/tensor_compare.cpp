#include "support/torch/tensor_compare.h"

#include <cstdio>

namespace fd::test {

std::string CompareReport::summary() const {
  if (!shapeError.empty()) return shapeError;
  char buf[160];
  std::snprintf(buf, sizeof buf, "max_abs=%.3g max_rel=%.3g mean_abs=%.3g failures=%lld", maxAbs,
                maxRel, meanAbs, static_cast<long long>(failures));
  return buf;
}

CompareReport compareTensors(const torch::Tensor& actual, const torch::Tensor& expected,
                             double atol, double rtol) {
  CompareReport r;
  if (actual.sizes() != expected.sizes()) {
    std::ostringstream ss;
    ss << "shape mismatch: actual " << actual.sizes() << " vs expected " << expected.sizes();
    r.shapeError = ss.str();
    return r;
  }
  auto a = actual.detach().to(torch::kCPU, torch::kFloat64);
  auto e = expected.detach().to(torch::kCPU, torch::kFloat64);
  auto diff = (a - e).abs();
  auto bound = atol + rtol * e.abs();
  auto bad = (diff > bound).logical_or(diff.isnan());
  r.failures = bad.sum().item<int64_t>();
  if (diff.numel() > 0) {
    r.maxAbs = diff.max().item<double>();
    r.meanAbs = diff.mean().item<double>();
    r.maxRel = (diff / e.abs().clamp_min(1e-12)).max().item<double>();
  }
  r.pass = r.failures == 0;
  return r;
}

}  // namespace fd::test
