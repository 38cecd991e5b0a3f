// The public entry points of ggml_quants.h: argument checks and dispatch
// through one table of kernels per storage type (ggml's type_traits style).
// The kernels are in ggml_dequantize.cpp, ggml_quantize.cpp and
// ggml_quantize_k.cpp.

#include "weights/ggml_quants.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <thread>

#include "weights/ggml_quants_internal.h"

namespace fd {

namespace {

struct QuantKernels {
  DType type;
  ggml::DequantizeBlocks toFloat;  // nullptr: cannot be read
  ggml::QuantizeBlocks fromFloat;  // nullptr: cannot be written
};

constexpr QuantKernels kKernels[] = {
    {DType::F32, ggml::dequantizeF32, ggml::quantizeF32},
    {DType::F16, ggml::dequantizeF16, ggml::quantizeF16},
    {DType::BF16, ggml::dequantizeBF16, ggml::quantizeBF16},
    {DType::F8_E4M3, ggml::dequantizeF8E4M3, nullptr},
    {DType::F8_E5M2, ggml::dequantizeF8E5M2, nullptr},
    {DType::Q4_0, ggml::dequantizeQ4_0, ggml::quantizeQ4_0},
    {DType::Q4_1, ggml::dequantizeQ4_1, ggml::quantizeQ4_1},
    {DType::Q5_0, ggml::dequantizeQ5_0, ggml::quantizeQ5_0},
    {DType::Q5_1, ggml::dequantizeQ5_1, ggml::quantizeQ5_1},
    {DType::Q8_0, ggml::dequantizeQ8_0, ggml::quantizeQ8_0},
    {DType::Q2_K, ggml::dequantizeQ2_K, nullptr},
    {DType::Q3_K, ggml::dequantizeQ3_K, nullptr},
    {DType::Q4_K, ggml::dequantizeQ4_K, ggml::quantizeQ4_K},
    {DType::Q5_K, ggml::dequantizeQ5_K, nullptr},
    {DType::Q6_K, ggml::dequantizeQ6_K, ggml::quantizeQ6_K},
};

const QuantKernels* kernelsOf(DType type) {
  for (const auto& row : kKernels)
    if (row.type == type) return &row;
  return nullptr;
}

// The number of blocks `count` values make, or an error naming the call.
Result<int64_t> wholeBlocks(const char* what, DType type, int64_t count) {
  const int64_t perBlock = blockValues(type);
  if (count < 0 || count % perBlock != 0 || !storageBytes(type, count))
    return makeError(ErrorKind::Internal, std::string(what) + ": " + std::to_string(count) +
                                              " values are not a whole number of " +
                                              dtypeDisplayName(type) + " blocks of " +
                                              std::to_string(perBlock));
  return count / perBlock;
}

// Values per pass of the bfloat16 path (4 KiB of floats).
constexpr int64_t kChunkValues = 1024;

Error unsupported(const char* what, DType type) {
  return makeError(ErrorKind::Internal, std::string(what) + ": storage type " +
                                            dtypeDisplayName(type) + " is not supported");
}

}  // namespace

Status dequantizeRow(DType type, const uint8_t* src, float* dst, int64_t count) {
  const QuantKernels* kernels = kernelsOf(type);
  if (!kernels || !kernels->toFloat) return unsupported("dequantizeRow", type);
  auto blocks = wholeBlocks("dequantizeRow", type, count);
  if (!blocks.ok()) return blocks.error();
  if (*blocks > 0) kernels->toFloat(src, dst, *blocks);
  return Status::success();
}

Status dequantizeRowBf16(DType type, const uint8_t* src, uint16_t* dst, int64_t count) {
  const QuantKernels* kernels = kernelsOf(type);
  if (!kernels || !kernels->toFloat) return unsupported("dequantizeRowBf16", type);
  auto blocks = wholeBlocks("dequantizeRowBf16", type, count);
  if (!blocks.ok()) return blocks.error();
  if (type == DType::BF16) {  // already bfloat16: as stored, NaN payloads included
    if (count > 0) std::memcpy(dst, src, static_cast<size_t>(count) * sizeof(uint16_t));
  } else if (type == DType::F32) {
    ggml::floatsToBf16(src, dst, count);
  } else {
    // Through a float buffer that stays in L1: the kernels stay float-only
    // and the rounding runs as one vector loop.
    const int64_t perBlock = blockValues(type), bytesPerBlock = blockBytes(type);
    const int64_t chunkBlocks = kChunkValues / perBlock;  // perBlock (1, 32, 256) divides it
    alignas(64) float buffer[kChunkValues];
    for (int64_t first = 0; first < *blocks; first += chunkBlocks) {
      const int64_t n = std::min(chunkBlocks, *blocks - first);
      kernels->toFloat(src + first * bytesPerBlock, buffer, n);
      ggml::floatsToBf16(reinterpret_cast<const uint8_t*>(buffer), dst + first * perBlock,
                         n * perBlock);
    }
  }
  return Status::success();
}

bool canQuantize(DType type) {
  const QuantKernels* kernels = kernelsOf(type);
  return kernels && kernels->fromFloat;
}

Status quantizeRow(DType type, const float* src, uint8_t* dst, int64_t count) {
  const QuantKernels* kernels = kernelsOf(type);
  if (!kernels || !kernels->fromFloat) return unsupported("quantizeRow", type);
  auto blocks = wholeBlocks("quantizeRow", type, count);
  if (!blocks.ok()) return blocks.error();
  if (*blocks > 0) kernels->fromFloat(src, dst, *blocks);
  return Status::success();
}

Status quantizeRows(DType type, const float* src, int64_t rows, int64_t cols,
                    std::vector<uint8_t>& out) {
  const auto rowBytes = storageBytes(type, cols);
  if (!rowBytes || rows < 0)
    return makeError(ErrorKind::Internal,
                     std::string("quantizeRows: rows of ") + std::to_string(cols) +
                         " values cannot be stored as " + dtypeDisplayName(type));
  out.resize(static_cast<size_t>(rows) * *rowBytes);
  const int64_t threads =
      std::max<int64_t>(1, std::min<int64_t>(std::thread::hardware_concurrency(), rows / 8 + 1));
  std::vector<Status> results(static_cast<size_t>(threads), Status::success());
  std::vector<std::thread> pool;
  for (int64_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int64_t r = t; r < rows; r += threads) {
        auto s = quantizeRow(type, src + r * cols, out.data() + r * *rowBytes, cols);
        if (!s) {
          results[size_t(t)] = s;
          return;
        }
      }
    });
  }
  for (auto& thread : pool) thread.join();
  for (auto& s : results)
    if (!s) return s;
  return Status::success();
}

}  // namespace fd
