#pragma once
// A model folder's card: what the folder's maker says about the model beyond
// what its weights tell (a display name, an id, who publishes it, and whether
// the weights are random). Stored in model_index.json under kModelCardKey by
// whoever writes a folder (FluxDesk's demo-model writer, say) and read by the
// model loader. A folder without a card is named from its weights. Torch-free.

#include <optional>
#include <string>

namespace fd {

inline constexpr const char* kModelCardKey = "_fluxdesk_model_card";

struct ModelCard {
  std::string name;            // display name, e.g. "FluxDesk demo"
  std::string id;              // stable id for APIs and settings, e.g. "fluxdesk-demo"
  std::string ownedBy;         // who publishes the model (the API's owned_by)
  std::string description;     // one line for the CLI and the log
  bool randomWeights = false;  // images show patterns, not pictures
  int revision = 0;            // the writer's own version of the folder's contents
};

// The card in `modelIndexJson` (model_index.json's text). nullopt when the
// file has none or it is not an object with a non-empty string "name" and
// "id": a broken card never stops a model from loading; it is then named
// from its weights like any other folder.
std::optional<ModelCard> readModelCard(const std::string& modelIndexJson);

// `card` as the JSON text of the object stored under kModelCardKey.
std::string modelCardJson(const ModelCard& card);

}  // namespace fd
