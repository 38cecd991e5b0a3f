#include "service/api_model_names.h"

#include <algorithm>
#include <cctype>

namespace fd::api {

namespace {

const std::vector<std::string>& schnellAliases() {
  static const std::vector<std::string> names = {"black-forest-labs/FLUX.1-schnell",
                                                 "black-forest-labs/FLUX-1-schnell",
                                                 "FLUX.1-schnell",
                                                 "FLUX-1-schnell",
                                                 "flux1-schnell",
                                                 "flux-schnell"};
  return names;
}

const std::vector<std::string>& devAliases() {
  static const std::vector<std::string> names = {"black-forest-labs/FLUX.1-dev",
                                                 "black-forest-labs/FLUX-1-dev",
                                                 "FLUX.1-dev",
                                                 "FLUX-1-dev",
                                                 "flux1-dev",
                                                 "flux-dev"};
  return names;
}

bool equalsIgnoringCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

}  // namespace

std::string apiModelId(const ModelInfo& info) { return info.id.empty() ? info.name : info.id; }

std::vector<std::string> acceptedModelNames(const ModelInfo& info, bool ready) {
  std::vector<std::string> names;
  if (!info.id.empty()) names.push_back(info.id);
  if (!info.name.empty()) names.push_back(info.name);
  auto append = [&](const std::vector<std::string>& more) {
    names.insert(names.end(), more.begin(), more.end());
  };
  if (!ready) {
    append(schnellAliases());
    append(devAliases());
  } else if (info.guidanceDistilled) {
    append(devAliases());
  } else {
    append(schnellAliases());
  }
  return names;
}

bool isAcceptedModelName(const std::string& requested, const ModelInfo& info, bool ready) {
  const auto names = acceptedModelNames(info, ready);
  return std::any_of(names.begin(), names.end(),
                     [&](const std::string& n) { return equalsIgnoringCase(n, requested); });
}

}  // namespace fd::api
