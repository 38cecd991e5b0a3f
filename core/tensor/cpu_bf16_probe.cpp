#include "tensor/cpu_bf16_probe.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>

namespace fd {

namespace {

// Timed runs of each kind, interleaved; the fastest counts. On a busy
// machine (another process compiling or quantizing) a single run can be
// several times slower and would flip the verdict.
constexpr int kTimedRuns = 5;

double millisecondsOnce(const std::function<torch::Tensor()>& run, torch::Tensor* result) {
  const auto start = std::chrono::steady_clock::now();
  *result = run();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// Runs `product` on bfloat16-rounded operands in bfloat16 and in float32 and
// compares both against float64.
ProductProbe probe(
    const std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>& product,
    const torch::Tensor& a, const torch::Tensor& b) {
  torch::NoGradGuard noGrad;
  const torch::Tensor a16 = a.to(torch::kBFloat16), b16 = b.to(torch::kBFloat16);
  const torch::Tensor a32 = a16.to(torch::kFloat), b32 = b16.to(torch::kFloat);
  ProductProbe p;
  torch::Tensor out16, out32;
  const std::function<torch::Tensor()> run16 = [&] { return product(a16, b16); };
  const std::function<torch::Tensor()> run32 = [&] { return product(a32, b32); };
  out16 = run16();  // warm-up: first calls pick kernels and allocate
  out32 = run32();
  p.bf16Ms = p.float32Ms = 1e300;
  for (int i = 0; i < kTimedRuns; ++i) {
    p.bf16Ms = std::min(p.bf16Ms, millisecondsOnce(run16, &out16));
    p.float32Ms = std::min(p.float32Ms, millisecondsOnce(run32, &out32));
  }
  const torch::Tensor exact = product(a32.to(torch::kDouble), b32.to(torch::kDouble));
  const double scale = std::max(1e-30, exact.abs().max().item<double>());
  p.maxRelError = (out16.to(torch::kDouble) - exact).abs().max().item<double>() / scale;
  // A float32-accumulated product is off by its final rounding (2^-8
  // relative); one that accumulates K = 3072 terms in bfloat16 is off by
  // tens of ulps.
  p.accurate = p.maxRelError <= 2.0 / 256.0;
  return p;
}

CpuBf16Report measure() {
  CpuBf16Report report;
  report.isa = at::get_cpu_capability();
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1234);
  auto randn = [&](std::initializer_list<int64_t> shape) {
    return torch::randn(shape, gen, torch::TensorOptions().dtype(torch::kFloat));
  };
  // K = 3072 as in FLUX's hidden width; M and N small enough that the slow
  // generic kernels still finish in tens of milliseconds.
  constexpr int64_t K = 3072;
  report.products[int(ProductKind::Linear)] =
      probe([](const torch::Tensor& x, const torch::Tensor& w) { return torch::linear(x, w); },
            randn({64, K}), randn({256, K}));
  report.products[int(ProductKind::Matmul)] =
      probe([](const torch::Tensor& x, const torch::Tensor& m) { return torch::matmul(x, m); },
            randn({64, K}), randn({K, 64}));
  report.products[int(ProductKind::Conv2d)] = probe(
      [](const torch::Tensor& x, const torch::Tensor& w) { return torch::conv2d(x, w, {}, 1, 1); },
      randn({1, 128, 32, 32}), randn({128, 128, 3, 3}));
  return report;
}

}  // namespace

bool CpuBf16Report::prefersBf16Compute() const {
  return (*this)[ProductKind::Linear].native() && (*this)[ProductKind::Conv2d].native();
}

std::string CpuBf16Report::summary() const {
  const auto& linear = (*this)[ProductKind::Linear];
  char text[256];
  if (prefersBf16Compute()) {
    std::snprintf(
        text, sizeof text,
        "bfloat16 compute: this CPU (%s) multiplies bfloat16 natively, %.1fx the float32 speed",
        isa.c_str(), linear.float32Ms / std::max(1e-6, linear.bf16Ms));
  } else if (!linear.accurate) {
    std::snprintf(
        text, sizeof text,
        "float32 compute, bfloat16 weights: this CPU's (%s) bfloat16 products lose precision "
        "(error %.3g)",
        isa.c_str(), linear.maxRelError);
  } else {
    std::snprintf(text, sizeof text,
                  "float32 compute, bfloat16 weights: this CPU (%s) has no fast bfloat16 products "
                  "(%.1fx slower than float32)",
                  isa.c_str(), linear.bf16Ms / std::max(1e-6, linear.float32Ms));
  }
  return text;
}

const CpuBf16Report& cpuBf16Report() {
  static const CpuBf16Report report = measure();
  return report;
}

}  // namespace fd
