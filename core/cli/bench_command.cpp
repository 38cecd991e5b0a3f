// fluxdesk-cli bench: how fast this machine runs a model, stage by stage.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numeric>

#include "cli/arg_parser.h"
#include "cli/commands.h"
#include "cli/engine_args.h"
#include "pipeline/memory_stats.h"

namespace fd::cli {

namespace {

const char* kCommand = "bench";

struct Stat {
  double mean = 0, min = 0, max = 0;
};

Stat statOf(const std::vector<double>& values) {
  Stat s;
  if (values.empty()) return s;
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / double(values.size());
  s.min = *std::min_element(values.begin(), values.end());
  s.max = *std::max_element(values.begin(), values.end());
  return s;
}

struct BenchRun {
  StageTimes times;
  double cpuSeconds = 0;  // process CPU time (all threads) of the request
};

double mib(int64_t bytes) { return double(bytes) / (1024.0 * 1024.0); }

void printRow(const char* name, const Stat& s) {
  std::printf("  %-16s %9.3f %9.3f %9.3f\n", name, s.mean, s.min, s.max);
}

nlohmann::ordered_json statJson(const Stat& s) {
  return {{"mean", s.mean}, {"min", s.min}, {"max", s.max}};
}

}  // namespace

int runBench(const Args& args) {
  ArgParser parser(
      kCommand,
      "Times a model on this machine: a warm-up request, then REPEAT timed requests, with\n"
      "per-stage times (text encoding, each step, decoding), images per second and peak memory.");
  addEngineOptions(parser);
  parser.option("size", "s", "WxH", "image size (default 1024x1024)");
  parser.option("steps", "", "K", "denoising steps (default: the model's)");
  parser.option("repeat", "r", "R", "timed requests after the warm-up (default 3)");
  parser.option("count", "n", "N", "images per request, 1..4 (default 1)");
  parser.option("prompt", "p", "TEXT",
                "prompt (each run appends its number, so text encoding is timed too)");
  parser.flag("json", "print the results as JSON on stdout (progress goes to stderr)");
  if (auto s = parser.parse(args); !s) return fail(kCommand, s.error());
  if (parser.helpRequested()) {
    std::fputs(parser.usage().c_str(), stdout);
    return kExitOk;
  }
  auto location = modelLocationFrom(parser);
  if (!location) return fail(kCommand, location.error());
  auto options = engineOptionsFrom(parser);
  if (!options) return fail(kCommand, options.error());
  const bool json = parser.isSet("json");

  GenerationRequest request;
  request.prompt =
      parser.value("prompt").value_or("a lighthouse on a rocky coast at dusk, oil painting");
  request.seed = 42;
  if (auto v = parser.value("size")) {
    auto size = parseSizeOption("--size", *v);
    if (!size) return fail(kCommand, size.error());
    request.width = size->first;
    request.height = size->second;
  }
  if (auto v = parser.value("steps")) {
    auto steps = parseIntOption("--steps", *v, 1, 1000);
    if (!steps) return fail(kCommand, steps.error());
    request.steps = *steps;
  }
  if (auto v = parser.value("count")) {
    auto n = parseIntOption("-n", *v, 1, 4);
    if (!n) return fail(kCommand, n.error());
    request.count = *n;
  }
  int repeat = 3;
  if (auto v = parser.value("repeat")) {
    auto r = parseIntOption("--repeat", *v, 1, 1000);
    if (!r) return fail(kCommand, r.error());
    repeat = *r;
  }

  int exitCode = kExitOk;
  double loadSeconds = 0;
  auto pipeline = loadPipeline(kCommand, *location, *options, json, exitCode, &loadSeconds);
  if (!pipeline) return exitCode;
  const ModelInfo& info = pipeline->info();
  if (auto s = pipeline->validate(request); !s) return fail(kCommand, s.error());
  std::fprintf(stderr, "model: %s\n", describeModelLine(info, *options).c_str());

  // Warm-up: first-call costs (allocator growth, kernel selection) stay out
  // of the figures.
  std::fprintf(stderr, "warm-up run...\n");
  GenerationRequest warmUp = request;
  warmUp.prompt = "warm-up: " + request.prompt;
  if (auto r = pipeline->generate(warmUp); !r) return fail(kCommand, r.error());

  resetCudaPeakMemory();
  std::vector<BenchRun> runs;
  for (int i = 0; i < repeat; ++i) {
    GenerationRequest timed = request;
    timed.prompt =
        request.prompt + " (run " + std::to_string(i + 1) + ")";  // a new prompt: no text cache hit
    const double cpuBefore = processCpuSeconds();
    auto r = pipeline->generate(timed);
    if (!r) return fail(kCommand, r.error());
    runs.push_back({r->times, processCpuSeconds() - cpuBefore});
    std::fprintf(stderr, "run %d/%d: %.3f s\n", i + 1, repeat, r->times.totalSeconds);
  }
  const MemoryUsage memory = readMemoryUsage();
  // The CUDA figures only when the model ran there: on a GPU machine told
  // --device cpu they would be an idle allocator's zeros.
  const bool cudaFigures = memory.cuda && info.device.rfind("cuda", 0) == 0;

  const int steps =
      runs.front().times.stepSeconds.empty() ? 0 : int(runs.front().times.stepSeconds.size());
  std::vector<double> text, decode, total, cpu;
  std::vector<std::vector<double>> stepTimes(static_cast<size_t>(steps));
  for (const auto& run : runs) {
    text.push_back(run.times.textSeconds);
    decode.push_back(run.times.decodeSeconds);
    total.push_back(run.times.totalSeconds);
    cpu.push_back(run.cpuSeconds);
    for (int k = 0; k < steps && k < int(run.times.stepSeconds.size()); ++k)
      stepTimes[size_t(k)].push_back(run.times.stepSeconds[size_t(k)]);
  }
  std::vector<double> allSteps;
  for (const auto& s : stepTimes) allSteps.insert(allSteps.end(), s.begin(), s.end());
  const Stat totalStat = statOf(total);
  const double imagesPerSecond = totalStat.mean > 0 ? request.count / totalStat.mean : 0;

  if (json) {
    nlohmann::ordered_json j;
    j["model"] = {{"name", info.name},
                  {"id", info.id},
                  {"random_weights", info.randomWeights},
                  {"device", info.device},
                  {"dtype", info.dtype},
                  {"dtype_reason", info.dtypeReason},
                  {"memory", info.memoryMode},
                  {"memory_reason", info.memoryReason}};
    j["settings"] = {{"width", request.width}, {"height", request.height},
                     {"steps", steps},         {"count", request.count},
                     {"repeat", repeat},       {"threads", options->cpuThreads}};
    j["load_seconds"] = loadSeconds;
    j["text_seconds"] = statJson(statOf(text));
    nlohmann::ordered_json perStep = nlohmann::ordered_json::array();
    for (const auto& s : stepTimes) perStep.push_back(statJson(statOf(s)));
    j["step_seconds"] = perStep;
    j["decode_seconds"] = statJson(statOf(decode));
    j["total_seconds"] = statJson(totalStat);
    j["cpu_seconds"] = statJson(statOf(cpu));
    j["images_per_second"] = imagesPerSecond;
    nlohmann::ordered_json mem = {{"peak_rss_bytes", memory.peakRssBytes}};
    if (cudaFigures)
      mem["cuda"] = {{"peak_allocated_bytes", memory.cudaPeakAllocatedBytes},
                     {"peak_reserved_bytes", memory.cudaPeakReservedBytes}};
    else
      mem["cuda"] = nullptr;
    j["memory"] = mem;
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }

  std::printf("FluxDesk bench: %s\n", describeModelLine(info, *options).c_str());
  std::printf("  %dx%d, %d steps, %d image%s per request, %d timed run%s after a warm-up\n",
              request.width, request.height, steps, request.count, request.count == 1 ? "" : "s",
              repeat, repeat == 1 ? "" : "s");
  std::printf("  dtype: %s (%s)\n", info.dtype.c_str(), info.dtypeReason.c_str());
  std::printf("  load: %.3f s\n\n", loadSeconds);
  std::printf("  %-16s %9s %9s %9s\n", "stage (seconds)", "mean", "min", "max");
  printRow("text encoding", statOf(text));
  for (int k = 0; k < steps; ++k)
    printRow(("step " + std::to_string(k + 1)).c_str(), statOf(stepTimes[size_t(k)]));
  printRow("all steps (each)", statOf(allSteps));
  printRow("decode", statOf(decode));
  printRow("total", totalStat);
  printRow("CPU time", statOf(cpu));
  std::printf("\n  images per second: %.3f\n", imagesPerSecond);
  std::printf("  peak RSS: %.0f MiB\n", mib(memory.peakRssBytes));
  if (cudaFigures)
    std::printf("  CUDA peak: %.0f MiB allocated, %.0f MiB reserved\n",
                mib(memory.cudaPeakAllocatedBytes), mib(memory.cudaPeakReservedBytes));
  return kExitOk;
}

}  // namespace fd::cli
