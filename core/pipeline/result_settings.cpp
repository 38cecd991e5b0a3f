#include "pipeline/result_settings.h"

#include <filesystem>

namespace fd {

ImageSettings imageSettingsFor(const GenerationResult& result, size_t index,
                               const ModelInfo& model) {
  ImageSettings s;
  const GenerationRequest& r = result.request;
  s.prompt = r.prompt;
  s.width = index < result.images.size() ? result.images[index].width : r.width;
  s.height = index < result.images.size() ? result.images[index].height : r.height;
  s.seed = index < result.images.size() ? result.images[index].seed : r.seed.value_or(0) + index;
  s.steps = r.steps;
  if (model.guidanceDistilled) s.guidance = r.guidance;
  if (r.source) {
    s.strength = effectiveStrength(r);
    s.sourceImage = r.source->name;
    s.inpaint = !r.source->mask.empty();
  }
  for (const LoraSpec& lora : r.loras)
    s.loras.emplace_back(std::filesystem::path(lora.path).stem().string(), lora.scale);
  s.model = model.name;
  s.modelId = model.id;
  s.dtype = model.dtype;
  s.device = model.device;
  s.version = fluxdeskVersion();
  s.createdAt = currentUtcTimestamp();
  s.seconds = result.times.totalSeconds;
  return s;
}

}  // namespace fd
