#pragma once
// LibTorch's CUDA backend is optional at run time. FluxDesk's programs link
// LibTorch's CPU libraries only (libtorch_cpu, libc10) and load
// libtorch_cuda.so with dlopen when it is there: loading it registers the
// CUDA kernels, allocator and hooks, as linking it would. It is found in the
// executable's private library folder (common/install_layout.h, where the
// fluxdesk-cuda package puts it) or through the executable's RUNPATH (in a
// build tree: LibTorch's own lib folder). Without it FluxDesk runs on the CPU
// and `device cuda` reports that this installation has no CUDA backend.
//
// LibTorch remembers its CUDA hooks from the first CUDA query on, so the
// backend is loaded before main() (a static initializer in cuda_backend.cpp)
// and again, as a no-op, before the engine's own first query.
// Engine-internal; code outside this file reaches CUDA only through
// LibTorch's device-generic API (torch::cuda::*, at::getDeviceAllocator).

#include <string>

namespace fd {

// Loads the backend once per process; true when it is loaded.
// FLUXDESK_NO_CUDA=1 in the environment skips it (CPU only).
bool loadCudaBackend();

// For people: "loaded from PATH", "not installed", "disabled by
// FLUXDESK_NO_CUDA" or why loading failed.
std::string cudaBackendStatus();

// The GPU's name from the CUDA driver (empty when unknown).
std::string cudaDeviceName(int index);

}  // namespace fd
