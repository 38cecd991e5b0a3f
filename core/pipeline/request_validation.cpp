#include "pipeline/request_validation.h"

#include <cmath>
#include <string>

#include "text/utf8.h"

namespace fd {

namespace {

Error bad(const std::string& message) { return makeError(ErrorKind::BadRequest, message); }

Status checkSide(const char* name, int value) {
  const std::string v = std::to_string(value);
  if (value < kMinImageSide || value > kMaxImageSide)
    return bad(std::string(name) + " " + v + " is outside " + std::to_string(kMinImageSide) + ".." +
               std::to_string(kMaxImageSide) + " pixels");
  if (value % kImageSideMultiple != 0) {
    const int below = value / kImageSideMultiple * kImageSideMultiple;
    const int above = below + kImageSideMultiple;
    std::string nearest = below >= kMinImageSide ? std::to_string(below) + " or " + std::to_string(above)
                                                 : std::to_string(above);
    return bad(std::string(name) + " " + v + " is not a multiple of " + std::to_string(kImageSideMultiple) +
               " (nearest: " + nearest + ")");
  }
  return Status::success();
}

bool isBlank(const std::string& text) {
  for (unsigned char c : text)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
  return true;
}

}  // namespace

int effectiveSteps(const GenerationRequest& request, const ModelInfo& model) {
  return request.steps == 0 ? model.defaultSteps : request.steps;
}

Status validateRequest(const GenerationRequest& r, const ModelInfo& model) {
  if (isBlank(r.prompt)) return bad("the prompt is empty: describe the image to generate");
  if (auto utf8 = unicode::validateUtf8(r.prompt); !utf8) return bad(utf8.error().message);
  if (auto s = checkSide("width", r.width); !s) return s;
  if (auto s = checkSide("height", r.height); !s) return s;
  if (r.count < 1 || r.count > kMaxImagesPerRequest)
    return bad("count " + std::to_string(r.count) + " is outside 1.." + std::to_string(kMaxImagesPerRequest) +
               " images per request");
  const int steps = effectiveSteps(r, model);
  if (steps < 1 || steps > model.maxSteps)
    return bad("steps " + std::to_string(r.steps) + " is outside 1.." + std::to_string(model.maxSteps) + " for " +
               model.name + (model.guidanceDistilled ? "" : " (a timestep-distilled model: 1 to 4 steps)"));
  if (r.guidance) {
    if (!model.guidanceDistilled)
      return bad("guidance is used only by guidance-distilled models such as FLUX.1-dev; " + model.name +
                 " has no guidance input, so leave it unset");
    if (!std::isfinite(*r.guidance) || *r.guidance < 0 || *r.guidance > kMaxGuidance)
      return bad("guidance " + std::to_string(*r.guidance) + " is outside 0.." +
                 std::to_string(static_cast<int>(kMaxGuidance)));
  }
  return Status::success();
}

}  // namespace fd
