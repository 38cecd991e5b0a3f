#pragma once
// Process-wide C allocator tuning for CPU inference. Torch-free.

namespace fd {

// LibTorch's CPU tensors come from malloc. glibc serves blocks above 32 MiB
// with a fresh mmap and unmaps them on free, so every large activation
// (attention scores, decoder feature maps) costs page faults and page
// zeroing in the kernel, step after step. Keeping freed memory in the heap
// for reuse halved the CPU time of the demo model at 1024x1024 on the
// project's reference machine (15.4 s -> 7.9 s per image, one thread), at
// the price of a higher peak RSS (the heap is not handed back to the
// system). Idempotent; a no-op outside glibc.
void keepFreedHostMemoryForReuse();

}  // namespace fd
