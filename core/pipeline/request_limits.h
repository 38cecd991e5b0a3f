#pragma once
// The limits every generation request meets, defined once: the engine's
// validator (request_validation.h), the service, the HTTP API (which also
// publishes them in GET /v1/models), the GUI's spin boxes and the CLI read
// them from here. Plain constants, no Torch, no Qt.

namespace fd {

struct RequestLimits {
  int minSide = 256;      // pixels
  int maxSide = 2048;     // pixels
  int sideMultiple = 16;  // the transformer's 2x2 patches of the 8x-downsampled latent
  int maxImagesPerRequest = 4;
  int maxPromptCodePoints = 4000;  // far beyond T5's 512 tokens; guards memory, not meaning
  double maxGuidance = 100.0;
  int maxSourceSide = 8192;    // input images of image-to-image / inpainting, before scaling
  int maxLoras = 8;            // LoRA files on one request
  double maxLoraScale = 10.0;  // |scale|; negative scales invert a LoRA, as slider LoRAs use
};

inline constexpr RequestLimits kRequestLimits{};

}  // namespace fd
