#pragma once
// LoRA adapters on a loaded FLUX transformer, applied at run time: each
// adapted Dense layer computes y = x W^T + b + sum_i s_i (x down_i^T) up_i^T
// into the output rows the adapter covers, after the base product (and after
// a packed GGUF / float8 weight was expanded), so the stored weights are
// never touched: 16-bit, fp8 and quantized models alike, several LoRAs at
// once, and clearLoras gives the base model back exactly.
// Engine-internal (torch); the torch-free types are in lora/lora_spec.h.

#include <torch/torch.h>

#include <vector>

#include "common/result.h"
#include "lora/lora_keys.h"
#include "lora/lora_spec.h"
#include "models/flux_model.h"

namespace fd {

// Reads every file, maps its keys onto the model's layers and checks the
// shapes, then attaches the adapters (down/up on each layer's device, in the
// model's compute dtype), on top of any already attached. All or nothing: on
// an error nothing is attached. A spec with scale 0 is read and checked but
// attaches nothing. Errors: ModelMissing / ModelInvalid (file absent or
// malformed), BadRequest (a scale that is not finite, a file that matches
// nothing in this model, a pair that does not fit its layer), OutOfMemory.
Result<LoraReport> applyLoras(FluxModelImpl& model, const std::vector<LoraSpec>& loras);

// Removes every adapter: the model computes exactly what it did before.
void clearLoras(FluxModelImpl& model);

// How many adapters are attached now.
size_t loraAdapterCount(FluxModelImpl& model);

// The model's Dense layers by BFL module path, with their widths.
LoraLayerShapes denseLayerShapes(FluxModelImpl& model);

}  // namespace fd
