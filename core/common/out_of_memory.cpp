#include "common/out_of_memory.h"

#include <algorithm>
#include <cctype>

namespace fd {

bool isOutOfMemoryMessage(const std::string& what) {
  std::string lower(what);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* marker : {"out of memory", "can't allocate", "cannot allocate", "bad_alloc",
                             "cublas_status_alloc_failed"})
    if (lower.find(marker) != std::string::npos) return true;
  return false;
}

}  // namespace fd
