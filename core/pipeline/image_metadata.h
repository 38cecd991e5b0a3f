#pragma once
// The settings saved inside each image file: an A1111-style `parameters`
// text (read by many existing tools) and a JSON record with everything
// needed to remake the image. Torch-free: the service and the UI use it.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace fd {

// Version written into every image (the project version of CMakeLists.txt).
const char* fluxdeskVersion();

struct ImageSettings {
  std::string prompt;
  int width = 0;
  int height = 0;
  uint64_t seed = 0;
  int steps = 0;
  std::optional<double> guidance;  // guidance-distilled (dev) models only
  std::string model;               // display name, e.g. "FLUX.1-schnell"
  std::string modelId;             // e.g. "black-forest-labs/FLUX.1-schnell"
  std::string sampler = "Euler";
  std::string dtype;      // e.g. "bfloat16" (changes the pixels)
  std::string device;     // e.g. "cpu"
  std::string version;    // FluxDesk version that made it
  std::string createdAt;  // ISO 8601 UTC, e.g. "2024-05-01T12:00:00Z"
  double seconds = 0;     // wall time of the whole request
  // Image-to-image / inpainting: how much of the input was redrawn, the
  // input's name, and whether a mask limited the change.
  std::optional<double> strength;
  std::string sourceImage;
  bool inpaint = false;
  // LoRAs on the transformer: file name without extension, and scale.
  std::vector<std::pair<std::string, double>> loras;
};

// "<prompt>\nSteps: 4, Sampler: Euler, Seed: 42, Size: 1024x1024, Model: FLUX.1-schnell"
// (", Distilled CFG Scale: 3.5" appended when a guidance value was used,
// ", Denoising strength: 0.75" for image-to-image, as A1111 writes it;
// LoRAs as A1111's " <lora:name:0.8>" at the end of the prompt line).
std::string parametersText(const ImageSettings& settings);

// One JSON object; keys: prompt, width, height, seed, steps, guidance
// (number or null), model, model_id, sampler, dtype, device, software,
// version, created, seconds; strength, source_image and inpaint when made
// from an input image; loras ([{"name", "scale"}]) when used.
std::string settingsToJson(const ImageSettings& settings);

// Back from settingsToJson's text; BadRequest naming the field when a
// required one (prompt, width, height, seed, steps) is missing or mistyped.
Result<ImageSettings> settingsFromJson(const std::string& json);

// The current UTC time as ISO 8601 ("2024-05-01T12:00:00Z").
std::string currentUtcTimestamp();

}  // namespace fd
