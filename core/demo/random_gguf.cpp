#include "demo/random_gguf.h"

#include <algorithm>
#include <cstring>

#include "weights/ggml_quants.h"

namespace fd {

uint64_t randomGgufBytes(const std::vector<RandomTensorSpec>& tensors, const GgufQuantRule& rule) {
  uint64_t total = 0;
  for (const auto& t : tensors)
    total += storageBytes(ggufStorageFor(t.name, t.shape, rule), t.numel()).value_or(0) + 32;
  return total;
}

Status writeRandomGguf(const std::string& path, const std::vector<RandomTensorSpec>& tensors,
                       const GgufQuantRule& rule, const std::vector<GgufMetadataEntry>& metadata) {
  if (!canQuantize(rule.wanted))
    return makeError(ErrorKind::BadRequest,
                     std::string("FluxDesk cannot quantize to ") + dtypeDisplayName(rule.wanted));
  std::vector<GgufTensorLayout> layout;
  layout.reserve(tensors.size());
  for (const auto& t : tensors)
    layout.push_back({t.name, ggufStorageFor(t.name, t.shape, rule), t.shape});
  std::vector<uint8_t> drawn;
  std::vector<float> values;
  return writeGgufStreaming(
      path, metadata, layout, [&](size_t i, std::vector<uint8_t>& bytes) -> Status {
        RandomTensorSpec spec = tensors[i];
        spec.dtype = DType::F32;  // drawn in float32, then stored
        fillRandomTensor(spec, drawn);
        values.resize(drawn.size() / sizeof(float));
        if (!drawn.empty()) std::memcpy(values.data(), drawn.data(), drawn.size());
        const int64_t cols = spec.shape.empty() ? 1 : spec.shape.back();
        // The values are drawn single-threaded (their sequence is the spec's).
        return quantizeRows(layout[i].dtype, values.data(),
                            cols == 0 ? 0 : int64_t(values.size()) / cols, cols, bytes);
      });
}

}  // namespace fd
