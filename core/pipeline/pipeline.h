#pragma once
// The one engine call that the GUI, the HTTP API and the CLI all use.
// Torch-free and Qt-free on purpose: ui/ and service/ include this header,
// the implementation (pipeline.cpp) hides LibTorch behind a pimpl.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "lora/lora_spec.h"          // LoraSpec, LoraReport
#include "sampling/preview_image.h"  // LatentPreview
#include "weights/model_location.h"  // ModelLocation

namespace fd {

enum class DevicePreference { Auto, Cpu, Cuda };
enum class DtypePreference { Auto, Float32, BFloat16, Float16 };
enum class MemoryMode {
  Auto,          // chosen at load from the weights' size and this machine's (or GPU's) memory
  Resident,      // every model stays on the device
  OffloadText,   // text encoders leave the GPU after encoding; on the CPU their (mapped) memory is
                 // released
  StreamBlocks,  // transformer blocks are moved to the GPU one at a time
};

const char* memoryModeName(MemoryMode mode);
std::optional<MemoryMode> memoryModeFromName(const std::string& name);
std::optional<DevicePreference> devicePreferenceFromName(const std::string& name);
std::optional<DtypePreference> dtypePreferenceFromName(const std::string& name);

struct EngineOptions {
  DevicePreference device = DevicePreference::Auto;
  DtypePreference dtype = DtypePreference::Auto;
  MemoryMode memory = MemoryMode::Auto;
  int cpuThreads = 0;  // 0: one per core
};

// Field by field (a change means loading again, service/pipeline_engine).
// C++17 has no defaulted ==; the size check makes a new field fail to
// compile until it is compared here too.
inline bool operator==(const EngineOptions& a, const EngineOptions& b) {
  static_assert(sizeof(EngineOptions) == sizeof(DevicePreference) + sizeof(DtypePreference) +
                                             sizeof(MemoryMode) + sizeof(int),
                "compare the new field of EngineOptions");
  return a.device == b.device && a.dtype == b.dtype && a.memory == b.memory &&
         a.cpuThreads == b.cpuThreads;
}
inline bool operator!=(const EngineOptions& a, const EngineOptions& b) { return !(a == b); }

// The picture an image-to-image or inpainting request starts from, any
// size: the pipeline scales it to cover the request's size and crops the
// middle (source_image.h).
struct SourceImage {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;   // width*height*3, RGB8, row-major
  std::vector<uint8_t> mask;  // inpainting: width*height bytes, nonzero = repaint; empty: img2img
  std::string name;           // where it came from (a file name), recorded with the result
};

struct GenerationRequest {
  std::string prompt;
  int width = 1024;
  int height = 1024;
  int count = 1;                   // 1-4, run as one batch
  std::optional<uint64_t> seed;    // image i uses seed + i; none: random, reported
  int steps = 0;                   // 0: the model's default (schnell 4)
  std::optional<double> guidance;  // guidance-distilled (dev) models only
  // Image-to-image / inpainting: the input (null: text-to-image) and how
  // much of it is redrawn, 0..1 (unset: kDefaultStrength / kDefaultInpaintStrength).
  std::shared_ptr<const SourceImage> source;
  std::optional<double> strength;
  // LoRA adapters on the transformer for this request (applied when they
  // differ from the previous request's, removed when absent).
  std::vector<LoraSpec> loras;
};

inline constexpr double kDefaultStrength = 0.85;        // image-to-image (diffusers' default)
inline constexpr double kDefaultInpaintStrength = 1.0;  // inpainting: the masked area is redrawn
// The strength a request runs with.
inline double effectiveStrength(const GenerationRequest& request) {
  if (request.strength) return *request.strength;
  return request.source && !request.source->mask.empty() ? kDefaultInpaintStrength
                                                         : kDefaultStrength;
}

enum class Stage { Loading, EncodingText, Denoising, Decoding, Done };
const char* stageName(Stage stage);

struct Progress {
  Stage stage = Stage::Loading;
  int step = 0;  // 1-based during Denoising
  int totalSteps = 0;
  double stepSeconds = 0;  // time of the step just finished
  double fraction = 0;     // 0..1 for loading
  std::string message;     // e.g. "loading transformer (bf16, cuda)"
  // Denoising only (every image of the batch), may be null
  std::shared_ptr<const LatentPreview> preview;
};

using ProgressCallback = std::function<void(const Progress&)>;
using CancelCheck = std::function<bool()>;  // true: stop as soon as possible

struct PromptReport {
  int clipTokens = 0;  // including start/end tokens, before truncation
  int clipLimit = 77;
  bool clipTruncated = false;
  int t5Tokens = 0;
  int t5Limit = 256;
  bool t5Truncated = false;
};

struct GeneratedImage {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // row-major, width*height*3
  uint64_t seed = 0;
};

struct StageTimes {
  double textSeconds = 0;
  std::vector<double> stepSeconds;
  double decodeSeconds = 0;
  double totalSeconds = 0;
};

struct GenerationResult {
  std::vector<GeneratedImage> images;
  GenerationRequest request;  // as run: seed and steps filled in
  PromptReport prompt;
  StageTimes times;
  std::string modelName;
  bool textCacheHit = false;
  LoraReport loras;  // what each LoRA file matched (empty without LoRAs)
};

struct ComponentReport {
  std::string name;     // transformer, autoencoder, clip, t5
  std::string files;    // where it was loaded from
  std::string device;   // cpu, cuda:0
  std::string dtype;    // weights: float32, bfloat16, float16
  std::string compute;  // activations' dtype when it differs from the weights' (else empty)
  int64_t parameters = 0;
};

struct ModelInfo {
  std::string name;     // e.g. "FLUX.1-schnell", or a model card's ("FluxDesk demo")
  std::string id;       // API id, e.g. "black-forest-labs/FLUX.1-schnell"
  std::string ownedBy;  // who publishes it (the API's owned_by)
  // From the folder's model card (weights/model_card.h): one line saying
  // what the model is, and whether its weights are random (the demo's).
  std::string description;
  bool randomWeights = false;
  bool guidanceDistilled = false;  // FLUX.1-dev style
  int defaultSteps = 4;
  int maxSteps = 4;
  std::string device;             // "cpu", "cuda:0"
  std::string deviceDescription;  // "NVIDIA H100 80GB HBM3 (79.1 GiB)", "CPU, 2 threads"
  std::string dtype;  // the transformer's weights, plus "(float32 compute)" when upcast per layer
  std::string dtypeReason;  // why: the GPU, the user's choice, or this CPU's bfloat16 speed
  std::string memoryMode;   // the mode in use ("offload-text"), never "auto"
  // Why: as asked, or auto's sizes ("12.1 GB of weights, 23.4 GiB of RAM").
  std::string memoryReason;
  std::vector<ComponentReport> components;
};

class Pipeline {
 public:
  // Loads every component once (progress reported with Stage::Loading).
  static Result<std::unique_ptr<Pipeline>> load(const ModelLocation& location,
                                                const EngineOptions& options,
                                                const ProgressCallback& progress = {});
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  const ModelInfo& info() const;

  // Checks a request against the model without running it (size multiples
  // of 16 in 256..2048, count 1..4, steps in range, non-empty prompt).
  Status validate(const GenerationRequest& request) const;

  // Runs one request. Not reentrant: callers serialise (the job queue does).
  Result<GenerationResult> generate(const GenerationRequest& request,
                                    const ProgressCallback& progress = {},
                                    const CancelCheck& cancel = {});

  struct Impl;

 private:
  explicit Pipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fd
