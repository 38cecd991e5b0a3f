#include "pipeline/memory_stats.h"

#include <sys/resource.h>

#include <fstream>
#include <sstream>
#include <string>

#include <torch/torch.h>

#ifdef FLUXDESK_TORCH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace fd {

namespace {

// "VmHWM:    123456 kB" -> bytes; 0 when absent.
int64_t statusField(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::istringstream fields(line.substr(key.size() + 1));
    int64_t kib = 0;
    fields >> kib;
    return kib * 1024;
  }
  return 0;
}

}  // namespace

MemoryUsage readMemoryUsage() {
  MemoryUsage usage;
  usage.peakRssBytes = statusField("VmHWM");
  usage.currentRssBytes = statusField("VmRSS");
  if (usage.peakRssBytes == 0) {  // no /proc: getrusage reports KiB on Linux
    struct rusage r {};
    if (getrusage(RUSAGE_SELF, &r) == 0) usage.peakRssBytes = int64_t(r.ru_maxrss) * 1024;
  }
#ifdef FLUXDESK_TORCH_CUDA
  if (torch::cuda::is_available()) {
    // Index 0 of each stat array is the aggregate over pool types (StatType::AGGREGATE).
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(0);
    usage.cuda = true;
    usage.cudaAllocatedBytes = stats.allocated_bytes[0].current;
    usage.cudaPeakAllocatedBytes = stats.allocated_bytes[0].peak;
    usage.cudaPeakReservedBytes = stats.reserved_bytes[0].peak;
  }
#endif
  return usage;
}

double processCpuSeconds() {
  struct rusage r {};
  if (getrusage(RUSAGE_SELF, &r) != 0) return 0;
  auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) * 1e-6; };
  return seconds(r.ru_utime) + seconds(r.ru_stime);
}

void resetCudaPeakMemory() {
#ifdef FLUXDESK_TORCH_CUDA
  if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::resetPeakStats(0);
#endif
}

void releaseCachedGpuMemory() {
#ifdef FLUXDESK_TORCH_CUDA
  if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
}

}  // namespace fd
