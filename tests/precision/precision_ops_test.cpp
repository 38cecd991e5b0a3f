// bfloat16 products through the engine's helpers, against float64 on the
// same bfloat16-rounded operands. A product that accumulates in float32 is
// off by its final rounding: at most 1 bfloat16 ulp (2^-8 relative to the
// output scale, plus float32 summation noise). One that accumulates its
// K >= 3072 terms in bfloat16 (LibTorch's generic CPU kernels did, for some
// layouts) is off by tens of ulps: the bound below is 2 ulps.

#include "tensor/precision_ops.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <functional>
#include <string>

#include "tensor/cpu_bf16_probe.h"
#include "tensor/layers.h"

namespace fd {
namespace {

constexpr double kTwoUlps = 2.0 / 256.0;

torch::Tensor randn(std::initializer_list<int64_t> shape, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return torch::randn(shape, gen, torch::TensorOptions().dtype(torch::kFloat)).to(torch::kBFloat16);
}

// Max |got - exact| / max |exact|.
double relativeError(const torch::Tensor& got, const torch::Tensor& exact) {
  const double scale = exact.abs().max().item<double>();
  return (got.to(torch::kDouble) - exact).abs().max().item<double>() / scale;
}

void expectExact(const std::string& what, const torch::Tensor& got, const torch::Tensor& exact) {
  ASSERT_EQ(got.scalar_type(), torch::kBFloat16) << what;
  ASSERT_EQ(got.sizes(), exact.sizes()) << what;
  const double error = relativeError(got, exact);
  std::printf("%-44s max error %.2e of the output scale (bound %.2e)\n", what.c_str(), error,
              kTwoUlps);
  EXPECT_LE(error, kTwoUlps) << what << ": accumulated in bfloat16?";
}

torch::Tensor d(const torch::Tensor& t) { return t.to(torch::kDouble); }

// float64 convolution (int64_t arguments: a literal 0 would also match the
// string padding overload).
torch::Tensor conv64(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b,
                     int64_t stride, int64_t padding) {
  return torch::conv2d(d(x), d(w), d(b), stride, padding);
}

TEST(PrecisionOps, ProbeReportsThisCpu) {
  const CpuBf16Report& report = cpuBf16Report();
  std::printf("CPU capability %s; %s\n", report.isa.c_str(), report.summary().c_str());
  for (int k = 0; k < kProductKinds; ++k) {
    const auto& p = report.products[k];
    std::printf("  product %d: bf16 %.2f ms, float32 %.2f ms, error %.2e, native %d\n", k, p.bf16Ms,
                p.float32Ms, p.maxRelError, int(p.native()));
    EXPECT_GT(p.float32Ms, 0.0);
    EXPECT_GT(p.bf16Ms, 0.0);
  }
  EXPECT_FALSE(report.isa.empty());
  EXPECT_NE(report.summary().find(report.isa), std::string::npos);
}

TEST(PrecisionOps, LinearLayouts) {
  torch::NoGradGuard noGrad;
  constexpr int64_t K = 3072;
  const auto w = randn({512, K}, 2), b = randn({512}, 3);
  // (B, L, K) activations as the transformer and the text encoders give them.
  const auto x = randn({2, 40, K}, 1);
  expectExact("linear (B,L,K) @ W^T + b", fd::linear(x, w, b), torch::linear(d(x), d(w), d(b)));
  expectExact("linear without bias", fd::linear(x, w), torch::linear(d(x), d(w)));
  // A non-contiguous view (heads merged after a transpose).
  const auto xt = randn({2, K, 40}, 4).transpose(1, 2);
  expectExact("linear, transposed activations", fd::linear(xt, w, b),
              torch::linear(d(xt), d(w), d(b)));
  // One row (pooled CLIP vector, timestep embedding).
  const auto row = randn({1, K}, 5);
  expectExact("linear, one row", fd::linear(row, w, b), torch::linear(d(row), d(w), d(b)));
  // The wide MLP input (K = 4 * 3072).
  const auto wide = randn({64, 4 * K}, 6), wWide = randn({256, 4 * K}, 7);
  expectExact("linear, K = 12288", fd::linear(wide, wWide), torch::linear(d(wide), d(wWide)));
}

TEST(PrecisionOps, MatmulLayouts) {
  torch::NoGradGuard noGrad;
  constexpr int64_t K = 3072;
  const auto a = randn({96, K}, 8);
  const auto b = randn({K, 80}, 9);
  expectExact("matmul a @ b, b contiguous", fd::matmul(a, b), torch::matmul(d(a), d(b)));
  const auto bt = randn({80, K}, 10).t();
  expectExact("matmul a @ b, b transposed", fd::matmul(a, bt), torch::matmul(d(a), d(bt)));
  const auto batched = randn({3, 32, K}, 11), rhs = randn({3, K, 48}, 12);
  expectExact("matmul batched", fd::matmul(batched, rhs), torch::matmul(d(batched), d(rhs)));
}

TEST(PrecisionOps, ConvolutionLayouts) {
  torch::NoGradGuard noGrad;
  // 512 channels x 3x3 = K 4608 (the autoencoder's mid and low levels).
  const auto x = randn({1, 512, 12, 10}, 13);
  const auto w3 = randn({64, 512, 3, 3}, 14), b = randn({64}, 15);
  expectExact("conv2d 3x3, 512 channels", fd::conv2d(x, w3, b, 1, 1), conv64(x, w3, b, 1, 1));
  const auto w1 = randn({64, 512, 1, 1}, 16);
  expectExact("conv2d 1x1 (attention q/k/v)", fd::conv2d(x, w1, b, 1, 0), conv64(x, w1, b, 1, 0));
  expectExact("conv2d 3x3 stride 2", fd::conv2d(x, w3, b, 2, 0), conv64(x, w3, b, 2, 0));
  // Channels-last input, as oneDNN's convolutions return it.
  const auto cl = x.contiguous(torch::MemoryFormat::ChannelsLast);
  expectExact("conv2d, channels-last input", fd::conv2d(cl, w3, b, 1, 1), conv64(x, w3, b, 1, 1));
}

// Attention's second product sums over the keys: K = Lk >= 3072.
TEST(PrecisionOps, AttentionOverManyKeys) {
  torch::NoGradGuard noGrad;
  const auto q = randn({1, 2, 64, 128}, 17), k = randn({1, 2, 3200, 128}, 18),
             v = randn({1, 2, 3200, 128}, 19);
  auto reference = [](const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                      const torch::Tensor& mask, double scale) {
    auto scores = torch::matmul(d(q), d(k).transpose(-2, -1)) * scale;
    if (mask.defined()) scores = scores + d(mask);
    return torch::matmul(torch::softmax(scores, -1), d(v));
  };
  const double scale = 1.0 / std::sqrt(128.0);
  expectExact("attention, Lk = 3200", fd::attention(q, k, v), reference(q, k, v, {}, scale));
  const auto bias = randn({1, 2, 64, 3200}, 20);
  expectExact("attention with an additive bias (T5)", fd::attention(q, k, v, bias, 1.0 / 16.0),
              reference(q, k, v, bias, 1.0 / 16.0));
  const auto square = randn({1, 2, 3072, 64}, 21);
  const auto causal =
      torch::full({3072, 3072}, -std::numeric_limits<double>::infinity(), torch::kDouble).triu(1);
  expectExact("attention, causal (CLIP)", fd::attention(square, square, square, {}, 0.125, true),
              reference(square, square, square, causal, 0.125));
}

// 16-bit weights under float32 compute: the weights are upcast for the call,
// the result is exactly the float32 product of the same values.
TEST(PrecisionOps, Bf16WeightsUnderFloat32Compute) {
  torch::NoGradGuard noGrad;
  const auto x = randn({8, 3072}, 22).to(torch::kFloat);
  Dense layer(3072, 96, /*bias=*/true, torch::TensorOptions().dtype(torch::kBFloat16));
  layer->weight.copy_(randn({96, 3072}, 23));
  layer->bias.copy_(randn({96}, 24));
  const auto y = layer->forward(x);
  EXPECT_EQ(y.scalar_type(), torch::kFloat);
  EXPECT_EQ(layer->weight.scalar_type(), torch::kBFloat16) << "the stored weight must stay 16-bit";
  EXPECT_TRUE(torch::equal(
      y, torch::linear(x, layer->weight.to(torch::kFloat), layer->bias.to(torch::kFloat))));
  Conv2dLayer conv(16, 8, 3, 1, 1, torch::TensorOptions().dtype(torch::kBFloat16));
  conv->weight.copy_(randn({8, 16, 3, 3}, 25));
  conv->bias.copy_(randn({8}, 26));
  const auto image = randn({1, 16, 9, 7}, 27).to(torch::kFloat);
  EXPECT_TRUE(torch::equal(
      conv->forward(image),
      torch::conv2d(image, conv->weight.to(torch::kFloat), conv->bias.to(torch::kFloat), 1, 1)));
}

}  // namespace
}  // namespace fd
