// fluxdesk-vae-bench: decode timings of the full-size FLUX decoder (ch 128,
// ch_mult 1,2,4,4, 2 res blocks, z 16) with random weights on the CPU, in
// float32 and bfloat16, for 512x512 and 1024x1024 images.
// Usage: fluxdesk-vae-bench [threads]   (default: every core)
// Peak RSS is the process's high-water mark, so it only grows from one line
// to the next: the runs go from the smallest to the largest.

#include <sys/resource.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "models/autoencoder.h"

namespace {

double peakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

double decodeSeconds(fd::AutoEncoder& ae, int64_t pixels) {
  const int64_t latent = pixels / 8;
  const auto z = torch::randn({1, 16, latent, latent});  // (1, 16, h, w)
  const auto start = std::chrono::steady_clock::now();
  const auto image = ae->decode(z);  // (1, 3, H, W)
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!torch::isfinite(image).all().item<bool>()) std::printf("  (non-finite output!)\n");
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 0;
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(threads);
  torch::manual_seed(0);

  fd::AutoEncoderParams params;  // architecture.h defaults are FLUX.1's
  params.has_encoder = false;
  fd::AutoEncoder ae(params);
  {
    torch::NoGradGuard noGrad;  // parameters are allocated uninitialised
    for (auto& p : ae->parameters()) p.normal_(0.0, 0.02);
  }
  std::printf("decoder: %zu tensors, %d threads, LibTorch %s\n", ae->parameters().size(), threads,
              TORCH_VERSION);
  for (auto dtype : {torch::kFloat, torch::kBFloat16}) {
    ae->to(dtype);
    for (int64_t pixels : {512, 1024}) {
      const double seconds = decodeSeconds(ae, pixels);
      std::printf("%-9s %4lldx%-4lld decode %7.2f s   peak RSS %7.0f MiB\n",
                  dtype == torch::kFloat ? "float32" : "bfloat16", static_cast<long long>(pixels),
                  static_cast<long long>(pixels), seconds, peakRssMiB());
      std::fflush(stdout);
    }
  }
  return 0;
}
