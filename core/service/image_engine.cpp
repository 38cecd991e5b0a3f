#include "service/image_engine.h"

#include <string>

namespace fd {

ImageEngine::~ImageEngine() = default;

Status ImageEngine::prepare(const ProgressCallback&) { return Status::success(); }

bool ImageEngine::isReady() const { return true; }

namespace {

Status checkSide(const char* name, int value) {
  if (value < 256 || value > 2048 || value % 16 != 0) {
    return makeError(ErrorKind::BadRequest, std::string(name) + " must be a multiple of 16 from 256 to 2048, not " +
                                                std::to_string(value));
  }
  return Status::success();
}

}  // namespace

Status validateRequestShape(const GenerationRequest& request, int maxSteps) {
  if (request.prompt.find_first_not_of(" \t\r\n") == std::string::npos) {
    return makeError(ErrorKind::BadRequest, "prompt is empty");
  }
  if (Status s = checkSide("width", request.width); !s) return s;
  if (Status s = checkSide("height", request.height); !s) return s;
  if (request.count < 1 || request.count > 4) {
    return makeError(ErrorKind::BadRequest, "count must be 1 to 4, not " + std::to_string(request.count));
  }
  if (request.steps < 0 || (maxSteps > 0 && request.steps > maxSteps)) {
    return makeError(ErrorKind::BadRequest, "steps must be 1 to " + std::to_string(maxSteps) +
                                                " for this model (0 for its default), not " +
                                                std::to_string(request.steps));
  }
  return Status::success();
}

}  // namespace fd
