#include "golden/golden_registry.h"

#include <map>

namespace fd::test {

namespace {
// Function-local statics: safe to use from other translation units' static
// initialisers regardless of initialisation order.
std::map<std::string, GoldenCaseHandler>& handlers() {
  static std::map<std::string, GoldenCaseHandler> map;
  return map;
}
std::vector<std::string>& duplicates() {
  static std::vector<std::string> list;
  return list;
}
}  // namespace

bool registerGoldenKind(const std::string& kind, GoldenCaseHandler handler) {
  if (!handlers().emplace(kind, handler).second) duplicates().push_back(kind);
  return true;
}

GoldenCaseHandler findGoldenKind(const std::string& kind) {
  auto it = handlers().find(kind);
  return it == handlers().end() ? nullptr : it->second;
}

std::vector<std::string> registeredGoldenKinds() {
  std::vector<std::string> kinds;
  for (const auto& entry : handlers()) kinds.push_back(entry.first);
  return kinds;
}

std::vector<std::string> duplicateGoldenKinds() { return duplicates(); }

}  // namespace fd::test
