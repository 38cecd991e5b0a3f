#include "pipeline/random_gguf.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "weights/ggml_quants.h"

namespace fd {

namespace {

bool startsWithAny(const std::string& name, const std::vector<std::string>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& p) { return name.compare(0, p.size(), p) == 0; });
}

// Rows of `count` values quantized on every core: the values are drawn
// single-threaded (their sequence is the spec's), quantizing is the slow part.
Status quantizeRows(DType type, const std::vector<float>& values, int64_t cols, std::vector<uint8_t>& out) {
  const int64_t rows = cols == 0 ? 0 : static_cast<int64_t>(values.size()) / cols;
  const auto rowBytes = static_cast<int64_t>(*storageBytes(type, cols));
  out.resize(static_cast<size_t>(rows * rowBytes));
  const int64_t threads = std::max<int64_t>(1, std::min<int64_t>(std::thread::hardware_concurrency(), rows / 8 + 1));
  std::vector<Status> results(static_cast<size_t>(threads), Status::success());
  std::vector<std::thread> pool;
  for (int64_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int64_t r = t; r < rows; r += threads) {
        auto s = quantizeRow(type, values.data() + r * cols, out.data() + r * rowBytes, cols);
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

}  // namespace

DType ggufStorageFor(const RandomTensorSpec& spec, const GgufQuantRule& rule) {
  if (spec.shape.size() < 2 || startsWithAny(spec.name, rule.keepF32)) return DType::F32;
  if (startsWithAny(spec.name, rule.keepF16)) return DType::F16;
  const int64_t cols = spec.shape.back();
  if (cols % blockValues(rule.wanted) != 0) return DType::F16;
  return rule.wanted;
}

uint64_t randomGgufBytes(const std::vector<RandomTensorSpec>& tensors, const GgufQuantRule& rule) {
  uint64_t total = 0;
  for (const auto& t : tensors) total += storageBytes(ggufStorageFor(t, rule), t.numel()).value_or(0) + 32;
  return total;
}

Status writeRandomGguf(const std::string& path, const std::vector<RandomTensorSpec>& tensors,
                       const GgufQuantRule& rule, const std::vector<GgufMetadataEntry>& metadata) {
  if (!canQuantize(rule.wanted))
    return makeError(ErrorKind::BadRequest, std::string("FluxDesk cannot quantize to ") + dtypeDisplayName(rule.wanted));
  std::vector<GgufTensorLayout> layout;
  layout.reserve(tensors.size());
  for (const auto& t : tensors) layout.push_back({t.name, ggufStorageFor(t, rule), t.shape});
  std::vector<uint8_t> drawn;
  std::vector<float> values;
  return writeGgufStreaming(path, metadata, layout, [&](size_t i, std::vector<uint8_t>& bytes) -> Status {
    RandomTensorSpec spec = tensors[i];
    spec.dtype = DType::F32;  // drawn in float32, then stored
    fillRandomTensor(spec, drawn);
    values.resize(drawn.size() / sizeof(float));
    if (!drawn.empty()) std::memcpy(values.data(), drawn.data(), drawn.size());
    const int64_t cols = spec.shape.empty() ? 1 : spec.shape.back();
    return quantizeRows(layout[i].dtype, values, cols, bytes);
  });
}

}  // namespace fd
