#pragma once
// Whether this CPU, with this LibTorch, multiplies bfloat16 matrices both
// accurately (float32 accumulation) and at least as fast as float32.
//
// Why a measurement and not a feature table: which kernel LibTorch picks
// depends on the CPU (oneDNN's bf16 kernels need AVX-512 BF16 / AMX, or
// AVX2-VNNI-2), on the library version and on the memory layout of the
// operands; without them a bfloat16 product falls to a generic kernel that is
// 3-150x slower than float32 (and in LibTorch 1.x also accumulated in
// bfloat16). The probe runs each product the engine uses once, small, in both
// dtypes, and compares results and times. Engine-internal (torch).

#include <string>

namespace fd {

// One family of products, in the layouts the engine uses.
enum class ProductKind {
  Linear,  // x (M, K) @ W^T, W stored (N, K): every Dense layer
  Matmul,  // a (M, K) @ b (K, N), b contiguous: latent preview, attention's P V
  Conv2d,  // 3x3 convolution: the autoencoder
};
constexpr int kProductKinds = 3;

struct ProductProbe {
  bool accurate = true;    // max error within 2 bfloat16 ulps of the output scale
  double bf16Ms = 0.0;     // one bfloat16 run
  double float32Ms = 0.0;  // the same product in float32
  double maxRelError = 0.0;
  // bfloat16 is used as is only when accurate and not slower than float32;
  // otherwise the engine computes the product in float32 and rounds once.
  bool native() const { return accurate && bf16Ms <= 1.1 * float32Ms; }
};

struct CpuBf16Report {
  ProductProbe products[kProductKinds];
  std::string isa;  // LibTorch's CPU capability ("AVX512", "AVX2", ...)
  const ProductProbe& operator[](ProductKind kind) const {
    return products[static_cast<int>(kind)];
  }
  // bfloat16 compute pays off on this CPU: linear layers and convolutions
  // are native. `auto` then computes in bfloat16; otherwise in float32 with
  // weights kept in bfloat16 (upcast per layer).
  bool prefersBf16Compute() const;
  // One line for people: what was chosen and why (bench, status bar).
  std::string summary() const;
};

// Measured once per process on first use (thread-safe), ~10-200 ms.
const CpuBf16Report& cpuBf16Report();

}  // namespace fd
