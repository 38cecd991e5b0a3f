#include "weights/weight_map.h"

#include <utility>

namespace fd {

const char* weightNamingName(WeightNaming naming) {
  switch (naming) {
    case WeightNaming::Official: return "official";
    case WeightNaming::Diffusers: return "diffusers";
    case WeightNaming::ComfyPrefixed: return "comfy_prefixed";
  }
  return "official";
}

void WeightMap::add(std::string canonicalName, WeightRecipe recipe) {
  recipes_[std::move(canonicalName)] = std::move(recipe);
}

const WeightRecipe* WeightMap::find(const std::string& name) const {
  auto it = recipes_.find(name);
  return it == recipes_.end() ? nullptr : &it->second;
}

std::optional<std::vector<int64_t>> WeightMap::shape(const std::string& name) const {
  const WeightRecipe* recipe = find(name);
  if (!recipe) return std::nullopt;
  return recipe->shape;
}

int64_t WeightMap::parameterCount() const {
  int64_t total = 0;
  for (const auto& [name, recipe] : recipes_) {
    int64_t numel = 1;
    for (int64_t dim : recipe.shape) numel *= dim;
    total += numel;
  }
  return total;
}

}  // namespace fd
