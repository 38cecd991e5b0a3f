// Names of the pipeline's enums, as the CLI options, the HTTP API and the
// settings file spell them.
#include "pipeline/pipeline.h"

namespace fd {

const char* memoryModeName(MemoryMode mode) {
  switch (mode) {
    case MemoryMode::Auto: return "auto";
    case MemoryMode::Resident: return "resident";
    case MemoryMode::OffloadText: return "offload-text";
    case MemoryMode::StreamBlocks: return "stream-blocks";
  }
  return "resident";
}

std::optional<MemoryMode> memoryModeFromName(const std::string& name) {
  if (name == "auto") return MemoryMode::Auto;
  if (name == "resident") return MemoryMode::Resident;
  if (name == "offload-text") return MemoryMode::OffloadText;
  if (name == "stream-blocks") return MemoryMode::StreamBlocks;
  return std::nullopt;
}

std::optional<DevicePreference> devicePreferenceFromName(const std::string& name) {
  if (name == "auto") return DevicePreference::Auto;
  if (name == "cpu") return DevicePreference::Cpu;
  if (name == "cuda" || name == "gpu") return DevicePreference::Cuda;
  return std::nullopt;
}

std::optional<DtypePreference> dtypePreferenceFromName(const std::string& name) {
  if (name == "auto") return DtypePreference::Auto;
  if (name == "float32" || name == "fp32" || name == "f32") return DtypePreference::Float32;
  if (name == "bfloat16" || name == "bf16") return DtypePreference::BFloat16;
  if (name == "float16" || name == "fp16" || name == "f16") return DtypePreference::Float16;
  return std::nullopt;
}

const char* stageName(Stage stage) {
  switch (stage) {
    case Stage::Loading: return "loading";
    case Stage::EncodingText: return "encoding text";
    case Stage::Denoising: return "denoising";
    case Stage::Decoding: return "decoding";
    case Stage::Done: return "done";
  }
  return "unknown";
}

}  // namespace fd
