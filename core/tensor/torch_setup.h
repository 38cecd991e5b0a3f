#pragma once

namespace fd {
// Sets LibTorch's intra-op thread count (0: one per core).
void configureTorchThreads(int threads);
}  // namespace fd
