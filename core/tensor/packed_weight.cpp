#include "tensor/packed_weight.h"

#include <ATen/Parallel.h>

#include <atomic>

#include "tensor/ggml_dequant_torch.h"
#include "weights/ggml_quants.h"

namespace fd {

namespace {

// Rows per task: enough work to amortise the scheduling (a 3072-wide row
// is a few microseconds).
constexpr int64_t kRowsPerTask = 16;

torch::Tensor expandOnCpu(const torch::Tensor& packed, DType stored, int64_t cols,
                          torch::ScalarType dtype) {
  const torch::Tensor src = packed.contiguous();
  const int64_t rows = src.size(0);
  const int64_t rowBytes = src.size(1);
  const uint8_t* bytes = src.data_ptr<uint8_t>();
  // bfloat16 straight from the blocks (one pass); anything else via float32.
  const bool toBf16 = dtype == torch::kBFloat16;
  torch::Tensor out = torch::empty(
      {rows, cols}, torch::TensorOptions().dtype(toBf16 ? torch::kBFloat16 : torch::kFloat32));
  std::atomic<bool> failed{false};
  if (toBf16) {
    auto* dst = reinterpret_cast<uint16_t*>(out.data_ptr<at::BFloat16>());
    at::parallel_for(0, rows, kRowsPerTask, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r)
        if (!dequantizeRowBf16(stored, bytes + r * rowBytes, dst + r * cols, cols)) failed = true;
    });
  } else {
    float* dst = out.data_ptr<float>();
    at::parallel_for(0, rows, kRowsPerTask, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r)
        if (!dequantizeRow(stored, bytes + r * rowBytes, dst + r * cols, cols)) failed = true;
    });
  }
  TORCH_CHECK(!failed, "cannot expand ", dtypeDisplayName(stored), " rows of ", cols, " values");
  return out.scalar_type() == dtype ? out : out.to(dtype);
}

}  // namespace

bool keepsPacked(DType stored) {
  return isQuantized(stored) || stored == DType::F8_E4M3 || stored == DType::F8_E5M2;
}

torch::Tensor expandPacked(const torch::Tensor& packed, DType stored, int64_t cols,
                           torch::ScalarType dtype) {
  if (!isQuantized(stored)) return packed.to(dtype);  // float8: torch converts exactly
  if (packed.is_cpu()) return expandOnCpu(packed, stored, cols, dtype);
  return dequantizeBlocksTorch(packed, stored, cols).to(dtype);
}

}  // namespace fd
