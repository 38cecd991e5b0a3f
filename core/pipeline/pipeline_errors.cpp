#include "pipeline/pipeline_errors.h"

#include <algorithm>
#include <cctype>
#include <new>

namespace fd {

std::string memoryAdvice(MemoryMode mode, const std::string& device) {
  if (device.rfind("cuda", 0) != 0)
    return "Free memory on this computer (close other programs), or ask for fewer images or a "
           "smaller size.";
  switch (mode) {
    case MemoryMode::Auto:
    case MemoryMode::Resident:
      return "Try the memory mode 'offload-text' (text encoders leave the GPU after encoding) or "
             "'stream-blocks' (the transformer visits the GPU one block at a time), or fewer "
             "images / a smaller size.";
    case MemoryMode::OffloadText:
      return "Try the memory mode 'stream-blocks' (the transformer visits the GPU one block at a "
             "time), "
             "or fewer images / a smaller size.";
    case MemoryMode::StreamBlocks:
      return "This is already the leanest memory mode: ask for fewer images or a smaller size, "
             "use a GPU with more memory, or run on the CPU (device 'cpu').";
  }
  return {};
}

Error outOfMemoryError(const FailureContext& c) {
  std::string message = "out of memory on " +
                        (c.device.empty() ? std::string("the device") : c.device) + " while " +
                        c.stage;
  if (!c.request.empty()) message += " (" + c.request + ")";
  message += std::string(", memory mode '") + memoryModeName(c.memory) + "'. " +
             memoryAdvice(c.memory, c.device);
  return makeError(ErrorKind::OutOfMemory, message);
}

Error errorFromException(const std::exception& e, const FailureContext& context) {
  if (dynamic_cast<const std::bad_alloc*>(&e)) return outOfMemoryError(context);
  std::string what = e.what();
  if (isOutOfMemoryMessage(what)) return outOfMemoryError(context);
  // c10::Error messages carry a C++ backtrace after the first line(s).
  auto cut = what.find("\nException raised from");
  if (cut != std::string::npos) what = what.substr(0, cut);
  if (what.size() > 600) what = what.substr(0, 600) + "...";
  return makeError(ErrorKind::Internal, "engine failure while " + context.stage + ": " + what);
}

}  // namespace fd
