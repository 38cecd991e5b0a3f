#pragma once
// Which `model` values the API accepts: the loaded model's id and name,
// and the names other services use for the same model family
// (black-forest-labs/FLUX-1-schnell at DeepInfra, FLUX.1-schnell, ...).
// The demo model stands in for FLUX.1-schnell, so clients written for it
// work unchanged against a fresh install.

#include <string>
#include <vector>

#include "pipeline/pipeline.h"

namespace fd::api {

// The id listed by /v1/models: info.id, else info.name.
std::string apiModelId(const ModelInfo& info);

// Every accepted name (ids, display name, family aliases). Before the model
// is loaded (`ready` false) both families' aliases are accepted.
std::vector<std::string> acceptedModelNames(const ModelInfo& info, bool ready);

// Case-insensitive match against acceptedModelNames.
bool isAcceptedModelName(const std::string& requested, const ModelInfo& info, bool ready);

}  // namespace fd::api
