#include "tensor/torch_setup.h"

#include <torch/torch.h>

#include <thread>

namespace fd {

void configureTorchThreads(int threads) {
  // LibTorch starts with one intra-op thread on some builds (Debian's): use
  // every core unless told otherwise.
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(threads);
}

}  // namespace fd
