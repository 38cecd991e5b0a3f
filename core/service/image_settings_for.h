#pragma once
// The settings stored with one generated image (PNG text chunks, JPEG
// comment, library sidecar), from the engine's result and model info.

#include "pipeline/image_metadata.h"
#include "pipeline/pipeline.h"

namespace fd {

ImageSettings imageSettingsFor(const GenerationResult& result, const GeneratedImage& image, const ModelInfo& model);

}  // namespace fd
