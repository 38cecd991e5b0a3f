#pragma once
// The one validator of generation requests (rules in request_limits.h):
// the pipeline, the service's engines, the HTTP API, the GUI and the CLI
// all call it, so a request is judged the same wherever it comes from.
// Nothing is adjusted silently: a size that is not a multiple of 16 is an
// error that names the nearest valid sizes. Torch-free.

#include <optional>
#include <string>
#include <utility>

#include "common/result.h"
#include "pipeline/pipeline.h"
#include "pipeline/request_limits.h"

namespace fd {

// Which part of the request a problem is about, so that callers can point
// at their own name for it (the API's `n` is the engine's count).
enum class RequestField {
  Prompt,
  Width,
  Height,
  Count,
  Steps,
  Guidance,
  Image,
  Mask,
  Strength,
  Loras
};

struct RequestProblem {
  RequestField field;
  std::string message;  // names the field as GenerationRequest does ("count 5 is outside 1..4 ...")
};

// The first problem of the request, if any. `model` gives the step limit,
// its default and whether guidance applies.
std::optional<RequestProblem> findRequestProblem(const GenerationRequest& request,
                                                 const ModelInfo& model);

// findRequestProblem as a Status: BadRequest with its message.
Status validateRequest(const GenerationRequest& request, const ModelInfo& model);

// The size an image-to-image request gets when none is asked for: the
// input's own, scaled only as far as the limits need (aspect ratio kept)
// and rounded to the side multiple.
std::pair<int, int> defaultSizeForSource(int sourceWidth, int sourceHeight);

// The steps a request runs with (0 -> the model's default).
int effectiveSteps(const GenerationRequest& request, const ModelInfo& model);

// How many of `steps` image-to-image at `strength` skips: the sampler's own
// rule (diffusers' int(steps - steps*strength)), for hints before a run.
// `steps` itself means none would run (a refused request).
int img2imgSkippedSteps(int steps, double strength);

}  // namespace fd
