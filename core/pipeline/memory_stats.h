#pragma once
// Process CPU time and memory, and GPU memory figures for `bench` and the UI's status line.
// Torch-free header; the CUDA part compiles only in CUDA builds of LibTorch.

#include <cstdint>

namespace fd {

struct MemoryUsage {
  int64_t peakRssBytes = 0;     // VmHWM: most resident memory this process has held
  int64_t currentRssBytes = 0;  // VmRSS
  bool cuda = false;            // the figures below are valid
  int64_t cudaAllocatedBytes = 0;
  int64_t cudaPeakAllocatedBytes = 0;  // since the last resetCudaPeakMemory()
  int64_t cudaPeakReservedBytes = 0;   // held by the caching allocator
};

MemoryUsage readMemoryUsage();
// Installed RAM (0 when unknown), within this container's limit.
uint64_t physicalMemoryBytes();
// RAM this process could take now without pushing others out: the kernel's
// MemAvailable (free plus reclaimable cache), within the container's limit
// less what it uses. 0 when unknown.
uint64_t availableMemoryBytes();
// User + system CPU time this process has used so far (all threads). On a
// shared machine, CPU time per request says more than wall time.
double processCpuSeconds();
void resetCudaPeakMemory();
// Hands the CUDA caching allocator's unused blocks back to the driver (after
// an out-of-memory error, or when switching memory modes). No-op on CPU.
void releaseCachedGpuMemory();

}  // namespace fd
