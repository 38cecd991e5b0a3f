// The golden runner: every folder under $FLUXDESK_GOLDEN_DIR/flux and
// $FLUXDESK_GOLDEN_DIR/gguf that holds a config.json becomes one test, named
// after the folder, found when the tests run (no case list here, no
// re-configure needed). The case's `kind` selects a registered handler; an
// unknown kind fails.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>

#include "golden/golden_registry.h"
#include "support/test_paths.h"

namespace fd::test {

void PrintTo(const GoldenCase& golden, std::ostream* os) { *os << golden.name; }

namespace {

std::filesystem::path fluxRoot() { return goldenRoot() / "flux"; }
// FLUX cases with GGUF weights, and ggml's dequantizer output.
std::filesystem::path ggufRoot() { return goldenRoot() / "gguf"; }

GoldenCase readCase(const std::filesystem::path& dir, const std::filesystem::path& root) {
  GoldenCase golden;
  golden.dir = dir;
  golden.name =
      dir == root ? dir.filename().string() : dir.lexically_relative(root).generic_string();
  try {
    golden.config = nlohmann::json::parse(readTextFile(dir / "config.json"));
    if (!golden.config.is_object()) golden.loadError = "config.json is not a JSON object";
  } catch (const std::exception& e) {
    golden.loadError = (dir / "config.json").string() + ": " + e.what();
  }
  return golden;
}

// Case folders under `root`; names relative to `nameBase`.
void collectCases(const std::filesystem::path& root, const std::filesystem::path& nameBase,
                  std::vector<GoldenCase>& cases) {
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) return;
  auto add = [&](const std::filesystem::path& dir) {
    GoldenCase golden = readCase(dir, dir);
    golden.name = dir.lexically_relative(nameBase).generic_string();
    cases.push_back(std::move(golden));
  };
  if (std::filesystem::exists(root / "config.json", ec)) add(root);
  for (std::filesystem::recursive_directory_iterator it(root, ec), end; !ec && it != end;
       it.increment(ec))
    if (it->is_directory(ec) && std::filesystem::exists(it->path() / "config.json", ec))
      add(it->path());
}

std::vector<GoldenCase> discoverCases() {
  std::vector<GoldenCase> cases;
  collectCases(fluxRoot(), fluxRoot(), cases);
  collectCases(ggufRoot(), goldenRoot(), cases);  // "gguf/<case>"
  std::sort(cases.begin(), cases.end(),
            [](const GoldenCase& a, const GoldenCase& b) { return a.name < b.name; });
  // gtest names allow [A-Za-z0-9_] only; folder names are free.
  std::map<std::string, int> used;
  for (auto& golden : cases) {
    std::string name;
    for (char c : golden.name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    if (name.empty()) name = "case";
    const int seen = used[name]++;
    golden.testName = seen ? name + "_" + std::to_string(seen + 1) : name;
  }
  return cases;
}

std::string testName(const testing::TestParamInfo<GoldenCase>& info) { return info.param.testName; }

class GoldenFlux : public testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenFlux, Case) {
  const GoldenCase& golden = GetParam();
  ASSERT_TRUE(golden.loadError.empty()) << golden.loadError;
  ASSERT_TRUE(golden.config.contains("kind") && golden.config["kind"].is_string())
      << golden.dir << "/config.json has no string field `kind`";
  const std::string kind = golden.config["kind"].get<std::string>();
  GoldenCaseHandler handler = findGoldenKind(kind);
  if (!handler) {
    std::string known;
    for (const auto& k : registeredGoldenKinds()) known += (known.empty() ? "" : ", ") + k;
    FAIL() << "unknown golden kind '" << kind << "' in " << golden.dir
           << "/config.json (known: " << known << ")";
  }
  torch::NoGradGuard noGrad;
  const auto start = std::chrono::steady_clock::now();
  handler(golden);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[golden] case %s (kind %s) took %.2f s\n", golden.name.c_str(), kind.c_str(),
              seconds);
  std::fflush(stdout);
}

INSTANTIATE_TEST_SUITE_P(Flux, GoldenFlux, testing::ValuesIn(discoverCases()), testName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GoldenFlux);

// Guards against a silently empty run (wrong FLUXDESK_GOLDEN_DIR) and
// against two handlers claiming one kind.
TEST(GoldenFluxDiscovery, FindsCaseFoldersAndHandlers) {
  const auto root = fluxRoot();
  EXPECT_TRUE(std::filesystem::is_directory(root))
      << "golden folder " << root << " does not exist (set FLUXDESK_GOLDEN_DIR)";
  EXPECT_FALSE(discoverCases().empty()) << "no case folder (with a config.json) under " << root;
  EXPECT_TRUE(std::filesystem::is_directory(ggufRoot()))
      << "golden folder " << ggufRoot() << " does not exist (set FLUXDESK_GOLDEN_DIR)";
  EXPECT_TRUE(duplicateGoldenKinds().empty()) << "a golden kind is registered twice";
  std::printf("[golden] scanned %s: %zu case folder(s)\n", root.string().c_str(),
              discoverCases().size());
}

}  // namespace
}  // namespace fd::test
