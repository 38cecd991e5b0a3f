// FluxDesk's programs link LibTorch's CPU libraries only and load its CUDA
// backend (libtorch_cuda.so) at start when it is there
// (core/pipeline/cuda_backend.h). With a CUDA build of LibTorch the backend
// must come in (LibTorch's real CUDA hooks registered), with
// FLUXDESK_NO_CUDA=1 it must stay out and the CPU must still work.
#include "pipeline/cuda_backend.h"

#include <ATen/detail/CUDAHooksInterface.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <string>

namespace {

bool disabled() {
  const char* off = std::getenv("FLUXDESK_NO_CUDA");
  return off && *off && std::string(off) != "0";
}

bool realCudaHooks() {
  try {
    return at::detail::getCUDAHooks().versionCUDART() > 0;
  } catch (const c10::Error&) {
    return false;  // the stub's answer: no CUDA library loaded
  }
}

TEST(CudaBackend, LoadedWhenLibTorchHasIt) {
  if (disabled()) GTEST_SKIP() << "FLUXDESK_NO_CUDA is set";
  const bool loaded = fd::loadCudaBackend();
  const std::string status = fd::cudaBackendStatus();
#if FLUXDESK_TEST_TORCH_HAS_CUDA
  EXPECT_TRUE(loaded) << status;
  EXPECT_EQ(status.rfind("loaded from ", 0), 0u) << status;
  EXPECT_TRUE(realCudaHooks())
      << "libtorch_cuda.so is loaded but LibTorch's CUDA hooks are the stub";
#else
  EXPECT_FALSE(loaded);
  EXPECT_EQ(status, "not installed");
  EXPECT_FALSE(realCudaHooks());
#endif
  // Whatever the machine has: asking must not fail, and the answer agrees
  // with the device count.
  EXPECT_EQ(torch::cuda::is_available(), torch::cuda::device_count() > 0);
}

TEST(CudaBackend, DisabledRunsOnTheCpu) {
  if (!disabled()) GTEST_SKIP() << "runs as cuda_backend_test_disabled (FLUXDESK_NO_CUDA=1)";
  EXPECT_FALSE(fd::loadCudaBackend());
  EXPECT_EQ(fd::cudaBackendStatus(), "disabled by FLUXDESK_NO_CUDA");
  EXPECT_FALSE(realCudaHooks());
  EXPECT_FALSE(torch::cuda::is_available());
  const auto product = torch::matmul(torch::ones({2, 3}), torch::ones({3, 2}));
  EXPECT_EQ(product.sum().item<float>(), 12.0f);
}

}  // namespace
