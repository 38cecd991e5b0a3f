#include "pipeline/request_validation.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "sampling/schedule.h"  // img2imgFirstStep (torch-free)
#include "text/utf8.h"

namespace fd {

namespace {

constexpr const RequestLimits& kLimits = kRequestLimits;

std::optional<RequestProblem> checkSide(RequestField field, const char* name, int value) {
  const std::string v = std::to_string(value);
  if (value < kLimits.minSide || value > kLimits.maxSide)
    return RequestProblem{field, std::string(name) + " " + v + " is outside " +
                                     std::to_string(kLimits.minSide) + ".." +
                                     std::to_string(kLimits.maxSide) + " pixels"};
  if (value % kLimits.sideMultiple != 0) {
    const int below = value / kLimits.sideMultiple * kLimits.sideMultiple;
    const int above = below + kLimits.sideMultiple;
    const std::string nearest = below >= kLimits.minSide
                                    ? std::to_string(below) + " or " + std::to_string(above)
                                    : std::to_string(above);
    return RequestProblem{field, std::string(name) + " " + v + " is not a multiple of " +
                                     std::to_string(kLimits.sideMultiple) +
                                     " (nearest: " + nearest + ")"};
  }
  return std::nullopt;
}

bool isBlank(const std::string& text) {
  for (unsigned char c : text)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
  return true;
}

int codePoints(const std::string& utf8) {
  int count = 0;
  for (unsigned char c : utf8) count += (c & 0xC0) != 0x80;
  return count;
}

std::optional<RequestProblem> checkPrompt(const std::string& prompt) {
  auto problem = [](std::string message) {
    return RequestProblem{RequestField::Prompt, std::move(message)};
  };
  if (isBlank(prompt)) return problem("the prompt is empty: describe the image to generate");
  if (auto utf8 = unicode::validateUtf8(prompt); !utf8) return problem(utf8.error().message);
  if (prompt.find('\0') != std::string::npos) return problem("the prompt contains a NUL character");
  if (codePoints(prompt) > kLimits.maxPromptCodePoints)
    return problem("the prompt is longer than " + std::to_string(kLimits.maxPromptCodePoints) +
                   " characters");
  return std::nullopt;
}

std::optional<RequestProblem> checkSource(const GenerationRequest& r, int steps) {
  if (!r.source) {
    if (r.strength)
      return RequestProblem{RequestField::Strength,
                            "strength needs an input image (image-to-image or inpainting)"};
    return std::nullopt;
  }
  const SourceImage& source = *r.source;
  const int maxSide = kLimits.maxSourceSide;
  if (source.width < 8 || source.height < 8 || source.width > maxSide || source.height > maxSide)
    return RequestProblem{RequestField::Image,
                          "the input image is " + std::to_string(source.width) + "x" +
                              std::to_string(source.height) + " pixels; it must be 8 to " +
                              std::to_string(maxSide) + " a side"};
  if (source.rgb.size() != size_t(source.width) * size_t(source.height) * 3)
    return RequestProblem{RequestField::Image, "the input image's pixels do not match its size"};
  if (!source.mask.empty()) {
    if (source.mask.size() != size_t(source.width) * size_t(source.height))
      return RequestProblem{RequestField::Mask, "the mask must be the size of the input image"};
    bool any = false;
    for (uint8_t m : source.mask) any = any || m != 0;
    if (!any) return RequestProblem{RequestField::Mask, "the mask marks no pixel to edit"};
  }
  const double strength = effectiveStrength(r);
  if (!std::isfinite(strength) || strength < 0 || strength > 1)
    return RequestProblem{RequestField::Strength,
                          "strength " + std::to_string(strength) + " is outside 0..1"};
  // As diffusers: the first int(steps - steps * strength) steps are skipped.
  if (img2imgFirstStep(steps, strength) >= steps)
    return RequestProblem{RequestField::Strength,
                          "strength " + std::to_string(strength).substr(0, 4) + " with " +
                              std::to_string(steps) +
                              " steps leaves no step to run; use at least " +
                              std::to_string(1.0 / steps).substr(0, 4) + " or more steps"};
  return std::nullopt;
}

std::optional<RequestProblem> checkLoras(const std::vector<LoraSpec>& loras) {
  auto problem = [](std::string message) {
    return RequestProblem{RequestField::Loras, std::move(message)};
  };
  if (int(loras.size()) > kLimits.maxLoras)
    return problem(std::to_string(loras.size()) + " LoRAs were asked for; at most " +
                   std::to_string(kLimits.maxLoras));
  for (const LoraSpec& lora : loras) {
    if (lora.path.empty()) return problem("a LoRA has no file");
    if (!std::isfinite(lora.scale) || std::abs(lora.scale) > kLimits.maxLoraScale)
      return problem("the scale of LoRA '" + lora.path + "' is outside -" +
                     std::to_string(int(kLimits.maxLoraScale)) + ".." +
                     std::to_string(int(kLimits.maxLoraScale)));
  }
  return std::nullopt;
}

}  // namespace

std::pair<int, int> defaultSizeForSource(int sourceWidth, int sourceHeight) {
  const double w = std::max(1, sourceWidth), h = std::max(1, sourceHeight);
  double scale = 1.0;
  if (std::max(w, h) > kLimits.maxSide) scale = kLimits.maxSide / std::max(w, h);
  if (std::min(w, h) * scale < kLimits.minSide) scale = kLimits.minSide / std::min(w, h);
  auto side = [&](double value) {
    const int rounded =
        int(std::lround(value * scale / kLimits.sideMultiple)) * kLimits.sideMultiple;
    return std::clamp(rounded, kLimits.minSide, kLimits.maxSide);
  };
  return {side(w), side(h)};
}

int effectiveSteps(const GenerationRequest& request, const ModelInfo& model) {
  return request.steps == 0 ? model.defaultSteps : request.steps;
}

std::optional<RequestProblem> findRequestProblem(const GenerationRequest& r,
                                                 const ModelInfo& model) {
  if (auto p = checkPrompt(r.prompt)) return p;
  if (auto p = checkSide(RequestField::Width, "width", r.width)) return p;
  if (auto p = checkSide(RequestField::Height, "height", r.height)) return p;
  if (r.count < 1 || r.count > kLimits.maxImagesPerRequest)
    return RequestProblem{RequestField::Count,
                          "count " + std::to_string(r.count) + " is outside 1.." +
                              std::to_string(kLimits.maxImagesPerRequest) + " images per request"};
  const int steps = effectiveSteps(r, model);
  if (r.steps < 0 || steps < 1 || steps > model.maxSteps)
    return RequestProblem{
        RequestField::Steps,
        "steps " + std::to_string(r.steps) + " is outside 1.." + std::to_string(model.maxSteps) +
            " for " + model.name +
            (model.guidanceDistilled ? "" : " (a timestep-distilled model: 1 to 4 steps)")};
  if (auto p = checkSource(r, steps)) return p;
  if (auto p = checkLoras(r.loras)) return p;
  if (r.guidance) {
    if (!model.guidanceDistilled)
      return RequestProblem{
          RequestField::Guidance,
          "guidance is used only by guidance-distilled models such as FLUX.1-dev; " + model.name +
              " has no guidance input, so leave it unset"};
    if (!std::isfinite(*r.guidance) || *r.guidance < 0 || *r.guidance > kLimits.maxGuidance)
      return RequestProblem{RequestField::Guidance,
                            "guidance " + std::to_string(*r.guidance) + " is outside 0.." +
                                std::to_string(static_cast<int>(kLimits.maxGuidance))};
  }
  return std::nullopt;
}

Status validateRequest(const GenerationRequest& r, const ModelInfo& model) {
  if (auto problem = findRequestProblem(r, model))
    return makeError(ErrorKind::BadRequest, problem->message);
  return Status::success();
}

int img2imgSkippedSteps(int steps, double strength) { return img2imgFirstStep(steps, strength); }

}  // namespace fd
