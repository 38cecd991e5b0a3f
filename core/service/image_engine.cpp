#include "service/image_engine.h"

#include <string>

namespace fd {

ImageEngine::~ImageEngine() = default;

Status ImageEngine::prepare(const ProgressCallback&) { return Status::success(); }

bool ImageEngine::isReady() const { return true; }

}  // namespace fd
