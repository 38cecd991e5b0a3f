#include "lora/lora_apply.h"

#include <cmath>
#include <map>
#include <new>
#include <utility>

#include "common/out_of_memory.h"
#include "lora/lora_file.h"
#include "tensor/layers.h"

namespace fd {

namespace {

const char* const kOutOfMemory = "out of memory while loading the LoRA adapters";

// Every Dense layer under its module path: the blocks are registered under
// the official key names, so these are BFL's ("double_blocks.0.img_attn.qkv").
std::map<std::string, DenseImpl*> denseLayers(FluxModelImpl& model) {
  std::map<std::string, DenseImpl*> layers;
  for (const auto& item : model.named_modules(/*name_prefix=*/"", /*include_self=*/false))
    if (auto* dense = dynamic_cast<DenseImpl*>(item.value().get()))
      layers.emplace(item.key(), dense);
  return layers;
}

}  // namespace

LoraLayerShapes denseLayerShapes(FluxModelImpl& model) {
  LoraLayerShapes shapes;
  for (const auto& [name, dense] : denseLayers(model))
    shapes.emplace(name, LoraLayerShape{dense->inFeatures(), dense->weight.size(0)});
  return shapes;
}

Result<LoraReport> applyLoras(FluxModelImpl& model, const std::vector<LoraSpec>& loras) {
  try {
    const auto layers = denseLayers(model);
    const LoraLayerShapes shapes = denseLayerShapes(model);
    // The adapters' dtype: what the layers compute in (float32 when a
    // bfloat16 model computes in float32 on this CPU).
    const torch::ScalarType dtype = model.dtype();
    LoraReport report;
    std::vector<std::pair<DenseImpl*, DenseAdapter>> pending;  // attached once everything was read
    for (const LoraSpec& spec : loras) {
      if (!std::isfinite(spec.scale))
        return makeError(ErrorKind::BadRequest,
                         spec.path + ": the LoRA scale must be a finite number");
      auto file = readLoraFile(spec.path, shapes, dtype);
      if (!file) return file.error();
      LoraFileReport fileReport;
      fileReport.path = spec.path;
      fileReport.format = file->format;
      fileReport.scale = spec.scale;
      fileReport.adapters = file->targets.size();
      fileReport.unmatchedKeys = file->unmatchedKeys.size();
      for (size_t i = 0; i < file->unmatchedKeys.size() && i < 5; ++i)
        fileReport.unmatchedExamples.push_back(file->unmatchedKeys[i]);
      report.files.push_back(std::move(fileReport));
      if (spec.scale == 0.0) continue;  // adds nothing: the layers stay as they are
      for (LoraTarget& target : file->targets) {
        DenseImpl* dense = layers.at(target.module);
        const torch::Device device = dense->weight.device();
        DenseAdapter adapter;
        adapter.down = target.down.to(device);  // (rank, in)
        adapter.up = target.up.to(device);      // (rows, rank)
        adapter.rowOffset = target.rowOffset;
        adapter.scale = spec.scale * static_cast<double>(target.alphaOverRank);
        pending.emplace_back(dense, std::move(adapter));
      }
    }
    for (auto& [dense, adapter] : pending) dense->addAdapter(std::move(adapter));
    return report;
  } catch (const std::bad_alloc&) {
    return makeError(ErrorKind::OutOfMemory, kOutOfMemory);
  } catch (const std::exception& e) {
    if (isOutOfMemoryMessage(e.what())) return makeError(ErrorKind::OutOfMemory, kOutOfMemory);
    return makeError(ErrorKind::Internal,
                     std::string("applying LoRA adapters failed: ") + e.what());
  }
}

void clearLoras(FluxModelImpl& model) {
  for (const auto& [name, dense] : denseLayers(model)) dense->clearAdapters();
}

size_t loraAdapterCount(FluxModelImpl& model) {
  size_t count = 0;
  for (const auto& [name, dense] : denseLayers(model)) count += dense->adapters().size();
  return count;
}

}  // namespace fd
