#pragma once
// The settings record of one generated image (what its PNG/JPEG carries),
// from the request as it ran. Torch-free.

#include <cstddef>

#include "pipeline/image_metadata.h"
#include "pipeline/pipeline.h"

namespace fd {

// Image `index` of `result`: its own seed, the request's prompt, size, steps
// and guidance (guidance-distilled models only), the model, dtype, device,
// FluxDesk version, the current UTC time and the request's wall time.
ImageSettings imageSettingsFor(const GenerationResult& result, size_t index,
                               const ModelInfo& model);

}  // namespace fd
