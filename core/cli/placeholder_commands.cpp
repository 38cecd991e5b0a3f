// Temporary: commands not written yet answer with a clear message.
// Each is replaced by its own *_command.cpp.
#include <cstdio>

#include "cli/commands.h"

namespace fd::cli {
#define FD_NOT_YET(fn, name)                                              \
  int fn(const Args&) {                                                   \
    std::fprintf(stderr, "fluxdesk-cli %s: not available yet\n", name); \
    return 3;                                                             \
  }
}  // namespace fd::cli
