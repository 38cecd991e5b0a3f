#include "pipeline/device_selection.h"

#include <c10/core/CachingDeviceAllocator.h>

#include <cstdio>

#include "models/t5_encoder.h"
#include "pipeline/cuda_backend.h"
#include "pipeline/memory_stats.h"
#include "tensor/cpu_bf16_probe.h"

namespace fd {

Result<Placement> choosePlacement(const EngineOptions& options) {
  Placement p;
  loadCudaBackend();  // (done before main(); a no-op here)
  const bool cudaAvailable = torch::cuda::is_available();
  switch (options.device) {
    case DevicePreference::Cuda:
      if (!cudaAvailable)
        return makeError(
            ErrorKind::BadRequest,
            "device 'cuda' was asked for, but LibTorch sees no CUDA GPU (CUDA backend " +
                cudaBackendStatus() + "; or no driver/GPU); use device 'auto' or 'cpu'");
      p.device = torch::Device(torch::kCUDA, 0);
      break;
    case DevicePreference::Cpu: p.device = torch::kCPU; break;
    case DevicePreference::Auto:
      p.device = cudaAvailable ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
      break;
  }
  const bool onGpu = p.device.is_cuda();

  // Auto: bfloat16 on CUDA. On the CPU bfloat16 weights (half the memory),
  // computed in bfloat16 only where this CPU multiplies bfloat16 fast and in
  // float32 accumulation (measured once: tensor/cpu_bf16_probe.h); elsewhere
  // in float32 with each layer's weights upcast when it runs.
  torch::ScalarType dtype = torch::kBFloat16;
  switch (options.dtype) {
    case DtypePreference::Auto:
      dtype = torch::kBFloat16;
      if (onGpu) {
        p.dtypeReason = "bfloat16 on the GPU";
      } else {
        const CpuBf16Report& cpu = cpuBf16Report();
        p.computeInFloat32 = !cpu.prefersBf16Compute();
        p.dtypeReason = cpu.summary();
      }
      break;
    case DtypePreference::Float32:
      dtype = torch::kFloat32;
      p.dtypeReason = "float32, as asked";
      break;
    case DtypePreference::BFloat16:
      dtype = torch::kBFloat16;
      p.dtypeReason = "bfloat16, as asked";
      break;
    case DtypePreference::Float16:
      if (!onGpu)
        return makeError(
            ErrorKind::BadRequest,
            "dtype 'float16' runs on CUDA only (CPU kernels for it are slow or missing); "
            "use 'bfloat16' or 'float32' on the CPU");
      dtype = torch::kFloat16;
      p.dtypeReason = "float16, as asked";
      break;
  }
  p.fluxDtype = dtype;
  p.clipDtype = dtype;
  p.t5Dtype = t5SafeDtype(dtype);  // T5 activations overflow float16
  // The FLUX VAE overflows float16 too (diffusers forces float32 for it).
  p.autoencoderDtype = dtype == torch::kFloat16 ? torch::kFloat32 : dtype;

  p.textHome = p.device;
  resolveMemoryMode(p, options.memory == MemoryMode::Auto ? MemoryMode::Resident : options.memory,
                    {});
  return p;
}

namespace {

// What activations, the allocator and the rest of the system need beside
// the weights: 1024x1024 images of one batch take about 2 GB on top.
constexpr uint64_t kWorkingMarginBytes = 3ull << 30;
// What text encoding needs beside the weights (T5's activations at 512 tokens).
constexpr uint64_t kEncodingMarginBytes = 1ull << 30;

// Free and total bytes of a GPU, through LibTorch's device-generic allocator
// API (the CUDA backend is loaded at run time: cuda_backend.h); 0, 0 when unknown.
std::pair<uint64_t, uint64_t> cudaMemoryInfo(const torch::Device& device) {
  try {
    const auto info = c10::getDeviceAllocator(torch::kCUDA)
                          ->getMemoryInfo(device.has_index() ? device.index() : 0);
    return {info.first, info.second};
  } catch (const std::exception&) {
    return {0, 0};
  }
}

std::string gigabytes(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GB", double(bytes) / 1e9);
  return text;
}

// What the weights may take: free GPU memory, or the RAM available now
// (other programs keep theirs).
uint64_t deviceMemoryBytes(const torch::Device& device) {
  if (device.is_cuda()) return cudaMemoryInfo(device).first;
  return availableMemoryBytes();
}

}  // namespace

void resolveMemoryMode(Placement& p, MemoryMode asked, const WeightBytes& w) {
  const bool onGpu = p.device.is_cuda();
  MemoryMode mode = asked;
  if (asked == MemoryMode::Auto) {
    const uint64_t memory = deviceMemoryBytes(p.device);
    const uint64_t all = w.transformer + w.autoencoder + w.text;
    // offload-text on a GPU: the text encoders visit while the transformer
    // stays, so everything must fit while they encode (their activations are
    // small); denoising then has the text encoders' room as its margin.
    if (memory == 0 || all + kWorkingMarginBytes <= memory) {
      mode = MemoryMode::Resident;
    } else if (!onGpu || all + kEncodingMarginBytes <= memory) {
      mode = MemoryMode::OffloadText;
    } else {
      mode = MemoryMode::StreamBlocks;
    }
    p.memoryReason = std::string("auto: ") + gigabytes(all) + " of weights (" + gigabytes(w.text) +
                     " text encoders), " + gigabytes(memory) +
                     (onGpu ? " of GPU memory free" : " of RAM available");
  } else {
    p.memoryReason = "as asked";
  }
  // Streaming blocks is a GPU technique; on the CPU the weights are already
  // in host memory, so the nearest mode is releasing the text encoders.
  if (!onGpu && mode == MemoryMode::StreamBlocks) {
    mode = MemoryMode::OffloadText;
    p.memoryReason += " (stream-blocks is for GPUs: offload-text on the CPU)";
  }
  p.memory = mode;
  p.textHome = onGpu && mode != MemoryMode::Resident ? torch::Device(torch::kCPU) : p.device;
  p.streamBlocksTo.reset();
  if (onGpu && mode == MemoryMode::StreamBlocks) p.streamBlocksTo = p.device;
}

std::string deviceName(const torch::Device& device) {
  if (device.is_cuda()) return "cuda:" + std::to_string(device.has_index() ? device.index() : 0);
  return device.str();
}

std::string dtypeName(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32: return "float32";
    case torch::kBFloat16: return "bfloat16";
    case torch::kFloat16: return "float16";
    case torch::kFloat64: return "float64";
    default: return c10::toString(dtype);
  }
}

std::string describeDevice(const torch::Device& device) {
  char text[320];
  if (device.is_cuda()) {
    std::string name = cudaDeviceName(device.has_index() ? device.index() : 0);
    if (name.empty()) name = deviceName(device);
    const uint64_t total = cudaMemoryInfo(device).second;
    if (total == 0) return name;
    std::snprintf(text, sizeof text, "%s (%.1f GiB)", name.c_str(),
                  double(total) / (1024.0 * 1024.0 * 1024.0));
    return text;
  }
  std::snprintf(text, sizeof text, "CPU, %d threads", torch::get_num_threads());
  return text;
}

}  // namespace fd
