#pragma once
// The memory figures the window shows: the RAM this process could still
// take (the Models window's recommendation) and the GPU memory the engine
// holds (the status line). Cheap to read; safe on any thread. Qt Core only.

#include <QtGlobal>

namespace fd {

struct GpuMemoryInUse {
  bool known = false;            // false on the CPU, or when the figures cannot be read
  qint64 allocatedBytes = 0;     // held by tensors now
  qint64 peakReservedBytes = 0;  // most the engine's allocator has held from the GPU
};

// The kernel's available memory within this container's limit; 0 when unknown.
quint64 availableRamBytes();

GpuMemoryInUse gpuMemoryInUse();

}  // namespace fd
