#include "pipeline/memory_stats.h"

#include <c10/core/CachingDeviceAllocator.h>
#include <sys/resource.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

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

uint64_t physicalMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
  uint64_t bytes = pages > 0 && pageSize > 0 ? uint64_t(pages) * uint64_t(pageSize) : 0;
  // A container's limit (cgroup v2) is what this process can really use.
  std::ifstream limit("/sys/fs/cgroup/memory.max");
  uint64_t cgroup = 0;
  if (limit >> cgroup && cgroup > 0 && (bytes == 0 || cgroup < bytes)) bytes = cgroup;
  return bytes;
}

uint64_t availableMemoryBytes() {
  uint64_t available = 0;
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib) {
    std::getline(meminfo, unit);
    if (key == "MemAvailable:") {
      available = kib * 1024;
      break;
    }
  }
  std::ifstream limitFile("/sys/fs/cgroup/memory.max"), usageFile("/sys/fs/cgroup/memory.current");
  uint64_t limit = 0, usage = 0;
  if (limitFile >> limit && usageFile >> usage && limit > usage)
    available = std::min(available, limit - usage);
  return available;
}

MemoryUsage readMemoryUsage() {
  MemoryUsage usage;
  usage.peakRssBytes = statusField("VmHWM");
  usage.currentRssBytes = statusField("VmRSS");
  if (usage.peakRssBytes == 0) {  // no /proc: getrusage reports KiB on Linux
    struct rusage r {};
    if (getrusage(RUSAGE_SELF, &r) == 0) usage.peakRssBytes = int64_t(r.ru_maxrss) * 1024;
  }
  // The CUDA allocator through LibTorch's device-generic API: the CUDA
  // backend is loaded at run time (pipeline/cuda_backend.h).
  if (torch::cuda::is_available()) {
    // Index 0 of each stat array is the aggregate over pool types (StatType::AGGREGATE).
    const auto stats = c10::getDeviceAllocator(torch::kCUDA)->getDeviceStats(0);
    usage.cuda = true;
    usage.cudaAllocatedBytes = stats.allocated_bytes[0].current;
    usage.cudaPeakAllocatedBytes = stats.allocated_bytes[0].peak;
    usage.cudaPeakReservedBytes = stats.reserved_bytes[0].peak;
  }
  return usage;
}

double processCpuSeconds() {
  struct rusage r {};
  if (getrusage(RUSAGE_SELF, &r) != 0) return 0;
  auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) * 1e-6; };
  return seconds(r.ru_utime) + seconds(r.ru_stime);
}

void resetCudaPeakMemory() {
  if (torch::cuda::is_available()) c10::getDeviceAllocator(torch::kCUDA)->resetPeakStats(0);
}

void releaseCachedGpuMemory() {
  if (torch::cuda::is_available()) c10::getDeviceAllocator(torch::kCUDA)->emptyCache();
}

}  // namespace fd
