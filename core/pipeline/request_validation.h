#pragma once
// The rules a generation request must meet, with messages that say what to
// change. Nothing is adjusted silently: a size that is not a multiple of 16
// is an error that names the nearest valid sizes. Torch-free.

#include "common/result.h"
#include "pipeline/pipeline.h"

namespace fd {

inline constexpr int kMinImageSide = 256;
inline constexpr int kMaxImageSide = 2048;
inline constexpr int kImageSideMultiple = 16;
inline constexpr int kMaxImagesPerRequest = 4;
inline constexpr double kMaxGuidance = 100.0;

// BadRequest naming the field and the allowed range.
Status validateRequest(const GenerationRequest& request, const ModelInfo& model);

// The steps a request runs with (0 -> the model's default).
int effectiveSteps(const GenerationRequest& request, const ModelInfo& model);

}  // namespace fd
