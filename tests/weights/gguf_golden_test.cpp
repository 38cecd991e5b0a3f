// GGUF files written by ggml itself ($FLUXDESK_GOLDEN_DIR/gguf): every one
// opens, every tensor's byte range matches its type and shape, and the
// tensor list is the one the case's config.json describes.

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "support/test_paths.h"
#include "weights/gguf_file.h"

namespace fd {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> ggufFiles() {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(test::goldenRoot() / "gguf", ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".gguf") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

nlohmann::json readConfig(const fs::path& caseDir) {
  return nlohmann::json::parse(test::readTextFile(caseDir / "config.json"));
}

// name -> (ggml type name, PyTorch shape) as the file holds it.
std::map<std::string, std::pair<std::string, std::vector<int64_t>>> tensorsOf(
    const GgufFile& file) {
  std::map<std::string, std::pair<std::string, std::vector<int64_t>>> out;
  for (const auto& info : file.tensors())
    out[info.name] = {dtypeDisplayName(info.dtype), info.shape};
  return out;
}

// ggml writes only up to the last dimension that is not 1 (ggml_n_dims), so
// a PyTorch shape [1, 64] comes back as [64]: compare shapes without leading
// ones.
std::vector<int64_t> withoutLeadingOnes(std::vector<int64_t> shape) {
  size_t ones = 0;
  while (ones + 1 < shape.size() && shape[ones] == 1) ++ones;
  shape.erase(shape.begin(), shape.begin() + static_cast<std::ptrdiff_t>(ones));
  return shape;
}

TEST(GgufGolden, EveryGgmlWrittenFileOpensWithConsistentTensors) {
  const auto files = ggufFiles();
  ASSERT_FALSE(files.empty()) << "no *.gguf under " << test::goldenRoot() / "gguf";
  for (const auto& path : files) {
    SCOPED_TRACE(path.string());
    auto file = GgufFile::open(path.string());
    ASSERT_TRUE(file.ok()) << file.error().message;
    const GgufFile& gguf = *file.value();
    EXPECT_GE(gguf.version(), 2u);
    EXPECT_FALSE(gguf.tensors().empty());
    uint64_t previousEnd = 0;
    for (const auto& info : gguf.tensors()) {
      EXPECT_EQ(info.byteSize(), storageBytes(info.dtype, info.numel()).value_or(~0ull))
          << info.name;
      EXPECT_EQ(info.begin % gguf.alignment(), 0u) << info.name;
      EXPECT_GE(info.begin, previousEnd) << info.name;
      EXPECT_NE(gguf.data(info), nullptr) << info.name;
      previousEnd = info.end;
    }
  }
}

TEST(GgufGolden, TensorsMatchWhatEachCaseLists) {
  int checked = 0;
  for (const auto& path : ggufFiles()) {
    SCOPED_TRACE(path.string());
    const fs::path caseDir = path.parent_path();
    if (!fs::exists(caseDir / "config.json")) continue;
    const nlohmann::json config = readConfig(caseDir);
    auto file = GgufFile::open(path.string());
    ASSERT_TRUE(file.ok()) << file.error().message;
    const auto actual = tensorsOf(*file.value());

    if (config.value("kind", "") == "gguf_dequant") {
      // config.json["tensors"][name]: "ggml_type" and PyTorch "shape".
      std::map<std::string, std::pair<std::string, std::vector<int64_t>>> expected;
      for (const auto& [name, entry] : config.at("tensors").items())
        expected[name] = {entry.at("ggml_type").get<std::string>(),
                          withoutLeadingOnes(entry.at("shape").get<std::vector<int64_t>>())};
      auto found = actual;
      for (auto& [name, typeAndShape] : found)
        typeAndShape.second = withoutLeadingOnes(typeAndShape.second);
      EXPECT_EQ(found, expected);
      ++checked;
    } else if (config.contains("gguf") && config["gguf"].contains("tensor_types")) {
      // Forward cases list the type of every weight.
      std::map<std::string, std::string> expected;
      for (const auto& [name, type] : config["gguf"]["tensor_types"].items())
        expected[name] = type.get<std::string>();
      std::map<std::string, std::string> types;
      for (const auto& [name, typeAndShape] : actual) types[name] = typeAndShape.first;
      EXPECT_EQ(types, expected);
      if (config["gguf"].contains("wanted_type")) {
        EXPECT_NE(file.value()->architecture(), "") << "city96-style files name the architecture";
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 0) << "no case with a config.json listing its GGUF tensors";
}

}  // namespace
}  // namespace fd
