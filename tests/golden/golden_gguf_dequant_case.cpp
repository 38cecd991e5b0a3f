// kind "gguf_dequant": every tensor of a GGUF file made by ggml, expanded by
// the engine's two paths (tensor/packed_weight.h: the CPU loops, and the
// LibTorch operations a GPU runs, here on the CPU) to float32 and bfloat16,
// against ggml's own dequantizer output (expected.safetensors) with each
// tensor's tolerance from config.json. (The torch-free runner
// golden_gguf_dequant checks the plain loops alone.)

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "golden/golden_case_io.h"
#include "golden/golden_registry.h"
#include "tensor/ggml_dequant_torch.h"
#include "tensor/packed_weight.h"
#include "tensor/weight_loading.h"
#include "weights/checkpoint.h"

namespace fd::test {
namespace {

struct Tolerance {
  double atol = 0, rtol = 0;
};

// Elements outside atol + rtol*|expected|; prints the worst.
int64_t outsideTolerance(const torch::Tensor& actual, const torch::Tensor& expected,
                         Tolerance tol) {
  const auto diff = (actual.to(torch::kFloat64) - expected.to(torch::kFloat64)).abs();
  const auto limit = tol.atol + tol.rtol * expected.to(torch::kFloat64).abs();
  return (diff > limit).sum().item<int64_t>();
}

void runGgufDequant(const GoldenCase& golden) {
  auto gguf = Checkpoint::open((golden.dir / "tensors.gguf").string());
  ASSERT_TRUE(gguf.ok()) << gguf.error().message;
  auto expectedFile = Checkpoint::open((golden.dir / "expected.safetensors").string());
  ASSERT_TRUE(expectedFile.ok()) << expectedFile.error().message;
  ASSERT_TRUE(golden.config.contains("tensors")) << golden.name << ": config.json lists no tensors";

  int checked = 0;
  for (const auto& [name, spec] : golden.config["tensors"].items()) {
    SCOPED_TRACE(golden.name + " tensor " + name);
    const CheckpointEntry* stored = gguf.value().find(name);
    const CheckpointEntry* want = expectedFile.value().find(name);
    ASSERT_TRUE(stored && want) << "missing in tensors.gguf or expected.safetensors";
    auto expectedTensor = loadTensor(*want, torch::kFloat32);
    ASSERT_TRUE(expectedTensor.ok()) << expectedTensor.error().message;
    const torch::Tensor expected = expectedTensor.value();
    EXPECT_EQ(std::string(dtypeDisplayName(stored->info->dtype)),
              spec.value("ggml_type", std::string()));
    const Tolerance tol{spec["tolerance"].value("atol", 0.0), spec["tolerance"].value("rtol", 0.0)};

    // The file layer's own expansion (loadTensor -> float32).
    auto loaded = loadTensor(*stored, torch::kFloat32);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    ASSERT_EQ(loaded.value().sizes(), expected.sizes());
    EXPECT_EQ(outsideTolerance(loaded.value(), expected, tol), 0) << "loadTensor";

    if (!isQuantized(stored->info->dtype)) {
      ++checked;
      continue;
    }
    const int64_t cols = expected.size(-1);
    const int64_t rows = expected.numel() / cols;
    const auto rowBytes = static_cast<int64_t>(*storageBytes(stored->info->dtype, cols));
    const torch::Tensor packed = torch::from_blob(
        const_cast<uint8_t*>(stored->file->data(*stored->info)), {rows, rowBytes}, torch::kUInt8);
    const torch::Tensor expected2d = expected.reshape({rows, cols});

    const auto cpu = expandPacked(packed, stored->info->dtype, cols, torch::kFloat32);
    EXPECT_EQ(outsideTolerance(cpu, expected2d, tol), 0) << "CPU loops, float32";
    const auto ops = dequantizeBlocksTorch(packed, stored->info->dtype, cols);
    EXPECT_EQ(outsideTolerance(ops, expected2d, tol), 0)
        << "tensor operations (the GPU path), float32";
    // bfloat16: the float32 value rounded once, so exactly expected's rounding
    // wherever float32 agreed bit for bit; allow one bf16 step otherwise.
    const auto bf16 = expandPacked(packed, stored->info->dtype, cols, torch::kBFloat16);
    ASSERT_EQ(bf16.scalar_type(), torch::kBFloat16);
    const auto oneStep = expected2d.abs() * (1.0 / 128) + tol.atol;
    EXPECT_EQ(((bf16.to(torch::kFloat32) - expected2d).abs() > oneStep).sum().item<int64_t>(), 0)
        << "bfloat16";
    EXPECT_TRUE(torch::equal(bf16, cpu.to(torch::kBFloat16)))
        << "bfloat16 expansion is not float32's rounding";
    ++checked;
  }
  EXPECT_GT(checked, 0) << golden.name << ": no tensor checked";
}

}  // namespace

FD_GOLDEN_KIND("gguf_dequant", runGgufDequant);

}  // namespace fd::test
