// fluxdesk-header-bench [--tensors N] [--file PATH] [--keep]
// Times the safetensors header path on a header of N one-element F32
// tensors (default 1,000,000; the file is the header plus 4 bytes a
// tensor): the strict JSON parse (duplicate keys, nesting depth), the whole
// header validation, opening the file, the checkpoint, the component scan
// and `fluxdesk-cli inspect` (its own function, in process, so no LibTorch
// is needed). Prints wall-clock and CPU seconds per step (CPU time says
// more on a busy machine); not a test: no thresholds.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "weights/checkpoint.h"
#include "weights/component_kind.h"
#include "weights/json_strict.h"
#include "weights/safetensors_file.h"
#include "weights/safetensors_header.h"

namespace {

class Timer {
 public:
  Timer() : wall_(std::chrono::steady_clock::now()), cpu_(std::clock()) {}
  void print(const char* step, const std::string& extra = {}) const {
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_).count();
    const double cpu = double(std::clock() - cpu_) / CLOCKS_PER_SEC;
    std::printf("%-26s %7.3f s wall %7.3f s cpu%s\n", step, wall, cpu, extra.c_str());
    std::fflush(stdout);
  }

 private:
  std::chrono::steady_clock::time_point wall_;
  std::clock_t cpu_;
};

// {"__metadata__":{...},"blocks.0.weight":{"dtype":"F32","shape":[1],"data_offsets":[..]},...}
// with the data offsets in another order than the names, as in real files.
std::string makeHeader(size_t count) {
  std::string json = "{\"__metadata__\":{\"format\":\"pt\"}";
  json.reserve(count * 72 + 64);
  char entry[160];
  for (size_t i = 0; i < count; ++i) {
    const size_t slot = (i * 7919) % count;
    std::snprintf(
        entry, sizeof entry,
        ",\"blocks.%zu.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[%zu,%zu]}", i,
        slot * 4, slot * 4 + 4);
    json += entry;
  }
  return json + "}";
}

void writeFile(const std::string& path, const std::string& header, size_t dataBytes) {
  std::ofstream out(path, std::ios::binary);
  const uint64_t n = header.size();
  unsigned char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(n >> (8 * i));
  out.write(reinterpret_cast<const char*>(length), 8);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  const std::vector<char> zeros(dataBytes, 0);
  out.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

std::string failed(const fd::Error& error) { return " FAILED: " + error.message.substr(0, 300); }

}  // namespace

int main(int argc, char** argv) {
  size_t count = 1000000;
  std::string file;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--tensors" && i + 1 < argc) {
      count = std::stoul(argv[++i]);
    } else if (a == "--file" && i + 1 < argc) {
      file = argv[++i];
    } else if (a == "--keep") {
      keep = true;
    } else {
      std::fprintf(stderr, "usage: fluxdesk-header-bench [--tensors N] [--file PATH] [--keep]\n");
      return 2;
    }
  }
  if (file.empty())
    file = (std::filesystem::temp_directory_path() /
            ("fluxdesk-header-bench-" + std::to_string(count) + ".safetensors"))
               .string();

  const std::string header = makeHeader(count);
  std::printf("%zu tensors, header %.1f MB, file %s\n", count, header.size() / 1e6, file.c_str());

  {
    Timer t;
    auto json = fd::parseJsonStrict("bench", header, "header");
    t.print("parseJsonStrict (DOM)", json ? "" : failed(json.error()));
  }
  {
    Timer t;
    auto parsed = fd::parseSafetensorsHeader("bench", header, count * 4);
    t.print("parseSafetensorsHeader", parsed ? "" : failed(parsed.error()));
    if (!parsed) return 1;
  }
  writeFile(file, header, count * 4);
  {
    Timer t;
    auto opened = fd::SafetensorsFile::open(file);
    t.print("SafetensorsFile::open", opened ? "" : failed(opened.error()));
  }
  {
    Timer t;
    auto checkpoint = fd::Checkpoint::open(file);
    t.print("Checkpoint::open", checkpoint ? "" : failed(checkpoint.error()));
    if (checkpoint) {
      Timer scan;
      auto kinds = fd::componentsInCheckpoint(checkpoint.value());
      scan.print("componentsInCheckpoint", " (" + std::to_string(kinds.size()) + " components)");
    }
  }
  {
    Timer t;
    std::printf("--- fluxdesk-cli inspect %s\n", file.c_str());
    std::fflush(stdout);
    const int rc = fd::cli::runInspect({file});
    std::fflush(stdout);
    std::printf("---\n");
    t.print("inspect (whole command)", " (exit " + std::to_string(rc) + ", 1: no known component)");
  }
  if (keep)
    std::printf("kept %s\n", file.c_str());
  else
    std::filesystem::remove(file);
  return 0;
}
