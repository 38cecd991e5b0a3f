#include "pipeline/host_memory.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace fd {

void keepFreedHostMemoryForReuse() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_MAX, 0);              // large blocks from the heap, not one mmap each
  mallopt(M_TRIM_THRESHOLD, 1 << 30);  // hand memory back only past 1 GiB free at the top
#endif
}

}  // namespace fd
