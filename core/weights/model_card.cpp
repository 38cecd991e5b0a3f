#include "weights/model_card.h"

#include <nlohmann/json.hpp>

#include "weights/json_strict.h"

namespace fd {

namespace {

std::string stringField(const nlohmann::json& card, const char* key) {
  auto it = card.find(key);
  return it != card.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::optional<ModelCard> readModelCard(const std::string& modelIndexJson) {
  // Bounded like every JSON file FluxDesk reads from a model folder.
  const auto parsed = parseJsonStrict("model_index.json", modelIndexJson, "the model index");
  if (!parsed || !parsed->is_object()) return std::nullopt;
  const auto it = parsed->find(kModelCardKey);
  if (it == parsed->end() || !it->is_object()) return std::nullopt;
  ModelCard card;
  card.name = stringField(*it, "name");
  card.id = stringField(*it, "id");
  if (card.name.empty() || card.id.empty()) return std::nullopt;
  card.ownedBy = stringField(*it, "owned_by");
  card.description = stringField(*it, "description");
  if (auto random = it->find("random_weights"); random != it->end() && random->is_boolean())
    card.randomWeights = random->get<bool>();
  if (auto revision = it->find("revision"); revision != it->end() && revision->is_number_integer())
    card.revision = revision->get<int>();
  return card;
}

std::string modelCardJson(const ModelCard& card) {
  nlohmann::json j = {{"name", card.name},
                      {"id", card.id},
                      {"owned_by", card.ownedBy},
                      {"description", card.description},
                      {"random_weights", card.randomWeights},
                      {"revision", card.revision}};
  return j.dump();
}

}  // namespace fd
