#include "service/machine_memory.h"

#include "pipeline/memory_stats.h"

namespace fd {

quint64 availableRamBytes() { return availableMemoryBytes(); }

GpuMemoryInUse gpuMemoryInUse() {
  const MemoryUsage usage = readMemoryUsage();
  GpuMemoryInUse gpu;
  gpu.known = usage.cuda;
  gpu.allocatedBytes = usage.cudaAllocatedBytes;
  gpu.peakReservedBytes = usage.cudaPeakReservedBytes;
  return gpu;
}

}  // namespace fd
