#include "pipeline/result_settings.h"

namespace fd {

ImageSettings imageSettingsFor(const GenerationResult& result, size_t index, const ModelInfo& model) {
  ImageSettings s;
  const GenerationRequest& r = result.request;
  s.prompt = r.prompt;
  s.width = index < result.images.size() ? result.images[index].width : r.width;
  s.height = index < result.images.size() ? result.images[index].height : r.height;
  s.seed = index < result.images.size() ? result.images[index].seed : r.seed.value_or(0) + index;
  s.steps = r.steps;
  if (model.guidanceDistilled) s.guidance = r.guidance;
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
