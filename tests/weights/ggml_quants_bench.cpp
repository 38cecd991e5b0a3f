// fluxdesk-quant-bench [benchmark flags]: speed of weights/ggml_quants.h,
// in million values per second (a table at the end), for every storage type:
// expanding to float32 and to bfloat16 (what the CPU does to every weight
// of a layer each time it runs), and quantizing float32 for the types
// make-demo-model writes. Not a test. E.g.
//   fluxdesk-quant-bench --benchmark_filter='dequant.*q4_K'

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "weights/ggml_quants.h"

namespace {

using fd::DType;

// 2^21 values: 8 MiB of float32 out, about a 2048x1024 layer.
constexpr int64_t kValues = int64_t{1} << 21;

const std::vector<float>& normalValues() {
  static const std::vector<float> values = [] {
    std::vector<float> v(static_cast<size_t>(kValues));
    std::mt19937 rng(42);
    std::normal_distribution<float> normal(0.0f, 0.02f);  // weight-like magnitudes
    for (float& x : v) x = normal(rng);
    return v;
  }();
  return values;
}

void storeHalf(uint8_t* p, uint16_t h) {
  p[0] = static_cast<uint8_t>(h);
  p[1] = static_cast<uint8_t>(h >> 8);
}

// Stored bytes of `type`: quantized from normal values where FluxDesk can,
// else random bytes with sane f16 super-block scales (a random scale could
// be NaN or subnormal, which is not what real files hold).
std::vector<uint8_t> storedBytes(DType type) {
  std::vector<uint8_t> bytes(static_cast<size_t>(*fd::storageBytes(type, kValues)));
  if (fd::canQuantize(type)) {
    if (!fd::quantizeRow(type, normalValues().data(), bytes.data(), kValues).ok()) std::abort();
    return bytes;
  }
  std::mt19937 rng(7);
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  const int64_t blockBytes = fd::blockBytes(type);
  for (size_t at = 0; at < bytes.size(); at += static_cast<size_t>(blockBytes)) {
    uint8_t* block = bytes.data() + at;
    if (type == DType::Q2_K) {
      storeHalf(block + 80, 0x1800);
      storeHalf(block + 82, 0x1400);
    } else if (type == DType::Q3_K) {
      storeHalf(block + 108, 0x1800);
    } else if (type == DType::Q5_K) {
      storeHalf(block, 0x1800);
      storeHalf(block + 2, 0x1400);
    }
  }
  return bytes;
}

// Million values per second of each benchmark's last (measured) run, for
// the table printed at the end; Google Benchmark's own counter prints them
// with SI prefixes ("1.2k" Mvalues/s).
std::map<std::string, double>& rates() {
  static std::map<std::string, double> table;
  return table;
}

using Clock = std::chrono::steady_clock;

void record(benchmark::State& state, const std::string& key, Clock::time_point start) {
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double millions = static_cast<double>(state.iterations()) * kValues / 1e6;
  state.counters["Mvalues/s"] = benchmark::Counter(millions, benchmark::Counter::kIsRate);
  if (seconds > 0) rates()[key] = millions / seconds;
}

void dequantizeToFloat(benchmark::State& state, DType type) {
  const std::vector<uint8_t> src = storedBytes(type);
  std::vector<float> dst(static_cast<size_t>(kValues));
  const auto start = Clock::now();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop
    if (!fd::dequantizeRow(type, src.data(), dst.data(), kValues).ok())
      state.SkipWithError("failed");
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  record(state, std::string("f32 ") + fd::dtypeDisplayName(type), start);
}

void dequantizeToBf16(benchmark::State& state, DType type) {
  const std::vector<uint8_t> src = storedBytes(type);
  std::vector<uint16_t> dst(static_cast<size_t>(kValues));
  const auto start = Clock::now();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop
    if (!fd::dequantizeRowBf16(type, src.data(), dst.data(), kValues).ok())
      state.SkipWithError("failed");
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  record(state, std::string("bf16 ") + fd::dtypeDisplayName(type), start);
}

void quantize(benchmark::State& state, DType type) {
  const std::vector<float>& src = normalValues();
  std::vector<uint8_t> dst(static_cast<size_t>(*fd::storageBytes(type, kValues)));
  const auto start = Clock::now();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop
    if (!fd::quantizeRow(type, src.data(), dst.data(), kValues).ok()) state.SkipWithError("failed");
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  record(state, std::string("quantize ") + fd::dtypeDisplayName(type), start);
}

void printTable(const DType* types, size_t count) {
  auto cell = [](const std::string& key) {
    auto it = rates().find(key);
    char text[32];
    if (it == rates().end()) return std::string("         -");
    std::snprintf(text, sizeof text, "%10.0f", it->second);
    return std::string(text);
  };
  std::printf("\nmillion values/s (one thread, %lld values per call)\n",
              static_cast<long long>(kValues));
  std::printf("%-8s %10s %10s %10s\n", "type", "to f32", "to bf16", "quantize");
  for (size_t i = 0; i < count; ++i) {
    const std::string name = fd::dtypeDisplayName(types[i]);
    std::printf("%-8s %s %s %s\n", name.c_str(), cell("f32 " + name).c_str(),
                cell("bf16 " + name).c_str(), cell("quantize " + name).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const DType types[] = {DType::F32,  DType::F16,  DType::BF16, DType::F8_E4M3, DType::F8_E5M2,
                         DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1,    DType::Q8_0,
                         DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K,    DType::Q6_K};
  for (DType type : types) {
    const std::string name = fd::dtypeDisplayName(type);
    benchmark::RegisterBenchmark(("dequant_f32/" + name).c_str(), dequantizeToFloat, type)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("dequant_bf16/" + name).c_str(), dequantizeToBf16, type)
        ->Unit(benchmark::kMillisecond);
  }
  for (DType type : types)
    if (fd::canQuantize(type))
      benchmark::RegisterBenchmark(("quantize/" + std::string(fd::dtypeDisplayName(type))).c_str(),
                                   quantize, type)
          ->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  printTable(types, std::size(types));
  benchmark::Shutdown();
  return 0;
}
