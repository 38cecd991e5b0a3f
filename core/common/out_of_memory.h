#pragma once
// Whether an exception's text says an allocation failed (host: glibc /
// LibTorch's CPU allocator; GPU: the CUDA caching allocator, cuBLAS). The one
// classifier: every layer that turns a LibTorch failure into an Error asks
// here, so out-of-memory is always ErrorKind::OutOfMemory (with memory-mode
// advice further up). Torch-free.

#include <string>

namespace fd {

bool isOutOfMemoryMessage(const std::string& what);

}  // namespace fd
