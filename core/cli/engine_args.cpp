#include "cli/engine_args.h"

#include <chrono>
#include <cstdio>

#include "cli/progress_bar.h"
#include "hub/hub_config.h"
#include "hub/model_presets.h"

namespace fd::cli {

int exitCodeFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::BadRequest: return kExitBadRequest;
    case ErrorKind::ModelMissing:
    case ErrorKind::ModelInvalid: return kExitModel;
    case ErrorKind::OutOfMemory: return kExitOutOfMemory;
    case ErrorKind::Cancelled:
    case ErrorKind::Network:
    case ErrorKind::AccessDenied:
    case ErrorKind::Busy:
    case ErrorKind::Io:
    case ErrorKind::Internal: return kExitOther;
  }
  return kExitOther;
}

int fail(const std::string& command, const Error& error) {
  std::fprintf(stderr, "fluxdesk-cli %s: %s\n", command.c_str(), error.message.c_str());
  return exitCodeFor(error.kind);
}

void addEngineOptions(ArgParser& p) {
  p.option("model", "m", "MODEL",
           "the model: a folder (a FLUX.1 Hugging Face snapshot, a folder of single\n"
           "files, the demo model of fluxdesk-cli make-demo-model DIR), a weights file, a\n"
           "preset (flux1-schnell, flux1-schnell-q8_0, flux1-schnell-fp8,\n"
           "flux1-schnell-q4_k_s) or org/name[@revision], from the Hugging Face cache");
  p.option("transformer", "", "FILE", "transformer weights file (overrides what the folder gives)");
  p.option("vae", "", "FILE", "autoencoder weights file (e.g. ae.safetensors)");
  p.option("clip", "", "FILE", "CLIP-L text encoder file (e.g. clip_l.safetensors)");
  p.option("t5", "", "FILE", "T5-XXL encoder file (e.g. t5xxl_fp16.safetensors)");
  p.option("tokenizers", "", "DIR", "folder with vocab.json, merges.txt and spiece.model");
  p.option("device", "", "auto|cpu|cuda", "where to run (default auto: CUDA when available)");
  p.option("dtype", "", "auto|float32|bfloat16|float16", "compute dtype (default auto: bfloat16)");
  p.option(
      "memory", "", "auto|resident|offload-text|stream-blocks",
      "memory mode (default auto: the lightest that fits this machine's RAM or GPU; offload-text\n"
      "releases the text encoders after encoding, stream-blocks moves transformer blocks to the "
      "GPU\n"
      "one at a time)");
  p.option("threads", "", "N", "CPU threads (default: one per core)");
}

Result<ModelLocation> modelLocationFrom(const ArgParser& p) {
  ModelLocation location;
  // --model: a folder or file, a preset or org/name in the shared hub cache.
  if (auto model = p.value("model"); model && !model->empty()) {
    auto resolved = resolveModelReference(*model, hubConfigFromEnvironment().cacheDir);
    if (!resolved) return resolved.error();
    location = resolved.value();
  }
  // Explicit files override what --model gives.
  if (auto v = p.value("transformer")) location.transformerFile = *v;
  if (auto v = p.value("vae")) location.autoencoderFile = *v;
  if (auto v = p.value("clip")) location.clipFile = *v;
  if (auto v = p.value("t5")) location.t5File = *v;
  if (auto v = p.value("tokenizers")) location.tokenizerFolder = *v;
  if (location.folder.empty() && location.transformerFile.empty())
    return makeError(ErrorKind::BadRequest,
                     "--model is required (or --transformer FILE with the other parts)");
  return location;
}

Result<EngineOptions> engineOptionsFrom(const ArgParser& p) {
  EngineOptions options;
  if (auto v = p.value("device")) {
    auto device = devicePreferenceFromName(*v);
    if (!device)
      return makeError(ErrorKind::BadRequest, "--device: '" + *v + "' is not auto, cpu or cuda");
    options.device = *device;
  }
  if (auto v = p.value("dtype")) {
    auto dtype = dtypePreferenceFromName(*v);
    if (!dtype)
      return makeError(ErrorKind::BadRequest,
                       "--dtype: '" + *v + "' is not auto, float32, bfloat16 or float16");
    options.dtype = *dtype;
  }
  if (auto v = p.value("memory")) {
    auto memory = memoryModeFromName(*v);
    if (!memory)
      return makeError(
          ErrorKind::BadRequest,
          "--memory: '" + *v + "' is not auto, resident, offload-text or stream-blocks");
    options.memory = *memory;
  }
  if (auto v = p.value("threads")) {
    auto threads = parseIntOption("--threads", *v, 1, 1024);
    if (!threads) return threads.error();
    options.cpuThreads = *threads;
  }
  return options;
}

std::unique_ptr<Pipeline> loadPipeline(const std::string& command, const ModelLocation& location,
                                       const EngineOptions& options, bool quiet, int& exitCode,
                                       double* loadSeconds) {
  ProgressBar bar(quiet);
  const auto start = std::chrono::steady_clock::now();
  auto pipeline = Pipeline::load(location, options, [&](const Progress& p) { bar.update(p); });
  bar.finish();
  if (!pipeline) {
    exitCode = fail(command, pipeline.error());
    return nullptr;
  }
  if (loadSeconds)
    *loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  exitCode = kExitOk;
  return std::move(pipeline.value());
}

std::string describeModelLine(const ModelInfo& info, const EngineOptions& options) {
  std::string line = info.name;
  if (!info.description.empty()) line += " (" + info.description + ")";
  line += " on " + info.device + ", " + info.dtype + ", memory " + info.memoryMode;
  if (options.memory == MemoryMode::Auto) line += " (" + info.memoryReason + ")";
  return line;
}

}  // namespace fd::cli
