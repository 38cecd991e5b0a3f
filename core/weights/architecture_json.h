#pragma once
// Each architecture as JSON under the reference code's field names (the
// names architecture.h uses): what `fluxdesk-cli inspect` reports, and a
// config.json that architecture detection reads back (BFL's FluxParams /
// AutoEncoderParams names, HF's CLIPTextConfig / T5Config names).

#include <nlohmann/json.hpp>

#include "weights/architecture.h"

namespace fd {

// Every field, in declaration order.
nlohmann::ordered_json architectureJson(const FluxParams& p);
nlohmann::ordered_json architectureJson(const AutoEncoderParams& p);
nlohmann::ordered_json architectureJson(const ClipTextParams& p);
nlohmann::ordered_json architectureJson(const T5Params& p);

}  // namespace fd
