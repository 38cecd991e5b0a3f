#pragma once
// The built-in demo model: a complete folder in the Hugging Face
// FLUX.1-schnell layout with tiny deterministic random weights and tokenizer
// files the project makes itself. It loads through exactly the same
// discovery, mapping and loading code as real weights and draws colourful
// abstract patterns (not FLUX.1 images). Torch-free.

#include <string>

#include "common/result.h"

namespace fd {

// model_index.json carries this key (true) so the pipeline can say clearly
// that it runs the demo.
inline constexpr const char* kDemoModelMarker = "_fluxdesk_demo";

// Writes (or overwrites) the demo model into `folder`, creating it when
// needed. The same bytes every time. Io errors name the file.
Status writeDemoModel(const std::string& folder);

// True when `modelIndexJson` (the text of model_index.json) has the marker.
bool isDemoModelIndex(const std::string& modelIndexJson);

}  // namespace fd
