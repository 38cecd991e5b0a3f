#pragma once
// Turning exceptions from LibTorch and the standard library into Error
// values at the pipeline boundary, with advice a user can act on (an
// out-of-memory error names the memory mode that would fit better).

#include <exception>
#include <string>

#include "common/out_of_memory.h"
#include "common/result.h"
#include "pipeline/pipeline.h"

namespace fd {

struct FailureContext {
  std::string stage;   // "loading the transformer", "denoising", ...
  std::string device;  // "cpu", "cuda:0"
  MemoryMode memory = MemoryMode::Resident;
  std::string request;  // e.g. "1024x1024, 4 images" (empty when loading)
};

// OutOfMemory (with advice) or Internal, from any exception.
Error errorFromException(const std::exception& e, const FailureContext& context);
Error outOfMemoryError(const FailureContext& context);

// What to try after running out of memory in `mode` on `device`.
std::string memoryAdvice(MemoryMode mode, const std::string& device);

}  // namespace fd
