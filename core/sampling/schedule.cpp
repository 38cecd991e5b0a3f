#include "sampling/schedule.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace fd {

double scheduleMu(int64_t imageSeqLen, const ScheduleShift& shift) {
  // get_lin_function(x1=256, y1=base, x2=4096, y2=max): m*x + b.
  const double m = (shift.maxShift - shift.baseShift) / (4096.0 - 256.0);
  const double b = shift.baseShift - m * 256.0;
  return m * static_cast<double>(imageSeqLen) + b;
}

std::vector<double> getSchedule(int numSteps, int64_t imageSeqLen, bool shift,
                                const ScheduleShift& params) {
  TORCH_CHECK(numSteps >= 1, "the schedule needs at least one step, got ", numSteps);
  auto t = torch::linspace(1, 0, numSteps + 1, torch::kFloat32);  // (steps+1)
  if (shift) {
    const double expMu = std::exp(scheduleMu(imageSeqLen, params));
    // The reference's float32 tensor ops, in order: python's `1 / t` is
    // t.reciprocal(), `e / x` is x.reciprocal() * e. At t = 0: 1/0 = inf and
    // e / (e + inf) = 0.
    auto odds = (t.reciprocal() - 1).pow(1.0);
    t = (odds + expMu).reciprocal() * expMu;
  }
  auto values = t.contiguous();
  std::vector<double> out(values.numel());
  const float* data = values.data_ptr<float>();
  for (int64_t i = 0; i < values.numel(); ++i) out[i] = data[i];
  return out;
}

int img2imgFirstStep(int steps, double strength) {
  // In double precision, as the reference's python floats (4 * 0.85 = 3.4 -> 0).
  const double initSteps = std::min(double(steps) * strength, double(steps));
  return int(std::max(double(steps) - initSteps, 0.0));
}

}  // namespace fd
