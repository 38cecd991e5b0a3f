#include "service/image_settings_for.h"

namespace fd {

ImageSettings imageSettingsFor(const GenerationResult& result, const GeneratedImage& image, const ModelInfo& model) {
  ImageSettings settings;
  settings.prompt = result.request.prompt;
  settings.width = image.width;
  settings.height = image.height;
  settings.seed = image.seed;
  settings.steps = result.request.steps > 0 ? result.request.steps : model.defaultSteps;
  settings.guidance = result.request.guidance;
  settings.model = result.modelName.empty() ? model.name : result.modelName;
  settings.modelId = model.id;
  settings.dtype = model.dtype;
  settings.device = model.device;
  settings.version = fluxdeskVersion();
  settings.createdAt = currentUtcTimestamp();
  settings.seconds = result.times.totalSeconds;
  return settings;
}

}  // namespace fd
