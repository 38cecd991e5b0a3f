// Every diffusers-named golden file (written by the diffusers project's own
// conversion code) loads to exactly the tensors of its BFL-named twin beside
// it, bit for bit. Files are found by scanning the golden folder at run time.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "support/test_paths.h"
#include "tensor/weight_loading.h"
#include "weights/checkpoint.h"
#include "weights/component_kind.h"
#include "weights/weight_map.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

const std::string kDiffusersSuffix = ".diffusers.safetensors";

std::vector<fs::path> diffusersFiles() {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(goldenRoot() / "flux", ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > kDiffusersSuffix.size() &&
        name.compare(name.size() - kDiffusersSuffix.size(), kDiffusersSuffix.size(),
                     kDiffusersSuffix) == 0)
      files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// weights.diffusers.safetensors -> weights.safetensors,
// ae_weights.diffusers.safetensors -> ae_weights.safetensors.
fs::path bflTwin(const fs::path& diffusers) {
  std::string name = diffusers.filename().string();
  return diffusers.parent_path() /
         (name.substr(0, name.size() - kDiffusersSuffix.size()) + ".safetensors");
}

WeightMap mapAs(ComponentKind kind, const Checkpoint& checkpoint) {
  Result<WeightMap> map = kind == ComponentKind::Transformer ? mapFluxTransformer(checkpoint)
                                                             : mapAutoencoder(checkpoint);
  if (!map) throw std::runtime_error(map.error().message);
  return std::move(map).value();
}

std::set<std::string> keysOf(const WeightMap& map) {
  std::set<std::string> keys;
  for (const auto& entry : map.recipes()) keys.insert(entry.first);
  return keys;
}

TEST(DiffusersGolden, EveryDiffusersFileLoadsToItsBflTwinBitForBit) {
  const auto files = diffusersFiles();
  ASSERT_FALSE(files.empty()) << "no *" << kDiffusersSuffix << " under " << goldenRoot() / "flux";
  std::set<ComponentKind> kindsSeen;
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    const fs::path twin = bflTwin(file);
    ASSERT_TRUE(fs::is_regular_file(twin)) << "no BFL twin " << twin;
    auto diffusers = Checkpoint::open(file.string());
    auto official = Checkpoint::open(twin.string());
    ASSERT_TRUE(diffusers.ok()) << diffusers.error().message;
    ASSERT_TRUE(official.ok()) << official.error().message;
    auto kind = guessComponentKind(official.value());
    ASSERT_TRUE(kind == ComponentKind::Transformer || kind == ComponentKind::Autoencoder);
    EXPECT_EQ(guessComponentKind(diffusers.value()), kind);
    kindsSeen.insert(*kind);

    WeightMap mapped = mapAs(*kind, diffusers.value());
    WeightMap reference = mapAs(*kind, official.value());
    EXPECT_EQ(mapped.naming, WeightNaming::Diffusers);
    EXPECT_EQ(reference.naming, WeightNaming::Official);
    EXPECT_TRUE(mapped.ignored.empty());
    // Same canonical names: nothing missing, nothing left over.
    ASSERT_EQ(keysOf(mapped), keysOf(reference));
    EXPECT_EQ(mapped.parameterCount(), reference.parameterCount());

    int64_t compared = 0;
    for (const auto& [name, recipe] : reference.recipes()) {
      auto expected = loadCanonical(recipe);
      auto actual = loadCanonical(*mapped.find(name));
      ASSERT_TRUE(expected.ok()) << name << ": " << expected.error().message;
      ASSERT_TRUE(actual.ok()) << name << ": " << actual.error().message;
      EXPECT_EQ(actual->scalar_type(), expected->scalar_type()) << name;
      ASSERT_EQ(actual->sizes(), expected->sizes()) << name;
      EXPECT_TRUE(torch::equal(actual.value(), expected.value())) << name << " differs";
      ++compared;
    }
    EXPECT_EQ(compared, static_cast<int64_t>(official->entries().size()));
  }
  EXPECT_EQ(kindsSeen,
            (std::set<ComponentKind>{ComponentKind::Transformer, ComponentKind::Autoencoder}));
}

}  // namespace
}  // namespace fd::test
