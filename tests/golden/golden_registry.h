#pragma once
// The golden test runner scans case folders at run time and dispatches on
// the `kind` field of each config.json. Handlers register themselves here:
//
//   static void runMyKind(const fd::test::GoldenCase& golden) { ... gtest EXPECTs ... }
//   FD_GOLDEN_KIND("my_kind", runMyKind);
//
// Handler sources are compiled directly into the runner executable (not a
// library), so their static registrations always run.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fd::test {

struct GoldenCase {
  std::filesystem::path dir;  // the case folder
  std::string name;           // folder path relative to the scanned root
  nlohmann::json config;      // parsed config.json
  std::string loadError;      // non-empty when config.json could not be read or parsed
  std::string testName;       // `name` made a unique gtest identifier
};

using GoldenCaseHandler = void (*)(const GoldenCase&);

// Returns true (for use in a static initialiser). Registering a kind twice
// is a programming error reported by the runner.
bool registerGoldenKind(const std::string& kind, GoldenCaseHandler handler);
// nullptr when no handler is registered for `kind`.
GoldenCaseHandler findGoldenKind(const std::string& kind);
std::vector<std::string> registeredGoldenKinds();
// Kinds registered more than once (reported as a failure by the runner).
std::vector<std::string> duplicateGoldenKinds();

}  // namespace fd::test

#define FD_GOLDEN_CONCAT_INNER(a, b) a##b
#define FD_GOLDEN_CONCAT(a, b) FD_GOLDEN_CONCAT_INNER(a, b)
#define FD_GOLDEN_KIND(kind, handler)                                                      \
  static const bool FD_GOLDEN_CONCAT(fdGoldenKindRegistered_, __LINE__) [[maybe_unused]] = \
      ::fd::test::registerGoldenKind(kind, handler)
