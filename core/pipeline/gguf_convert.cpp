#include "pipeline/gguf_convert.h"

#include <algorithm>
#include <filesystem>

#include "tensor/weight_loading.h"
#include "weights/ggml_quants.h"
#include "weights/gguf_quant_rules.h"
#include "weights/gguf_writer.h"
#include "weights/weight_map.h"

namespace fd {

namespace {

Result<ComponentKind> chooseComponent(const Checkpoint& checkpoint, const std::string& input,
                                      const GgufConvertOptions& options) {
  const auto held = componentsInCheckpoint(checkpoint);
  auto holds = [&](ComponentKind kind) {
    return std::find(held.begin(), held.end(), kind) != held.end();
  };
  if (options.component) {
    if (!holds(*options.component))
      return makeError(ErrorKind::ModelInvalid, input + ": holds no " +
                                                    componentKindName(*options.component) +
                                                    " weights (told from its tensor names)");
    return *options.component;
  }
  for (ComponentKind kind : {ComponentKind::Transformer, ComponentKind::T5Encoder})
    if (holds(kind)) return kind;
  if (held.empty())
    return makeError(ErrorKind::ModelInvalid, input + ": its tensor names match no FLUX component");
  return makeError(
      ErrorKind::BadRequest,
      input + ": holds " + componentKindName(held.front()) +
          " weights; FluxDesk quantizes the transformer and T5 (CLIP and the autoencoder are small "
          "and keep 16 bits)");
}

}  // namespace

Result<GgufConvertReport> convertToGguf(const std::string& input, const std::string& output,
                                        const GgufConvertOptions& options) {
  if (!isQuantized(options.type) || !canQuantize(options.type))
    return makeError(ErrorKind::BadRequest,
                     std::string("FluxDesk cannot quantize to ") + dtypeDisplayName(options.type));
  auto checkpoint = Checkpoint::open(input);
  if (!checkpoint) return checkpoint.error();
  auto component = chooseComponent(*checkpoint, input, options);
  if (!component) return component.error();
  const bool t5 = *component == ComponentKind::T5Encoder;
  auto weights = t5 ? mapT5Encoder(*checkpoint) : mapFluxTransformer(*checkpoint);
  if (!weights) return weights.error();

  // Canonical names (BFL / HF) -> the names GGUF files use.
  std::vector<std::pair<std::string, const WeightRecipe*>> tensors;
  for (const auto& [name, recipe] : weights->recipes()) tensors.emplace_back(name, &recipe);
  const GgufQuantRule rule = ggufQuantRuleFor(*component, options.type);
  std::vector<GgufTensorLayout> layout;
  for (const auto& [name, recipe] : tensors) {
    const std::string stored = t5 ? t5GgufNameFromHf(name) : name;
    layout.push_back({stored, ggufStorageFor(stored, recipe->shape, rule), recipe->shape});
  }
  std::vector<GgufMetadataEntry> metadata = {
      {"general.architecture", std::string(t5 ? "t5encoder" : "flux")},
      {"general.name", std::filesystem::path(input).stem().string()},
      {"general.quantized_by", std::string("FluxDesk")},
  };
  std::vector<float> values;
  auto status = writeGgufStreaming(
      output, metadata, layout, [&](size_t i, std::vector<uint8_t>& bytes) -> Status {
        if (options.onTensor) options.onTensor(i, tensors.size(), tensors[i].first);
        auto loaded = loadCanonical(*tensors[i].second, torch::kFloat32);
        if (!loaded) return loaded.error();
        const torch::Tensor t = loaded->contiguous();  // canonical shape, float32
        const int64_t cols = t.dim() == 0 ? 1 : t.size(-1);
        const int64_t rows = cols == 0 ? 0 : t.numel() / cols;
        return quantizeRows(layout[i].dtype, t.data_ptr<float>(), rows, cols, bytes);
      });
  if (!status) return status.error();
  GgufConvertReport report;
  report.component = *component;
  report.tensors = tensors.size();
  report.inputBytes = checkpoint->totalBytes();
  std::error_code ec;
  report.outputBytes = std::filesystem::file_size(output, ec);
  return report;
}

}  // namespace fd
