// loadModuleWeights (strict loading into torch modules) and the golden
// weight files read through the whole stack.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "support/test_paths.h"
#include "tensor/weight_loading.h"
#include "weights_test_util.h"

namespace fd {
namespace {

namespace fs = std::filesystem;

using test::identityMap;

TensorToWrite tensorFrom(const std::string& name, const torch::Tensor& t) {
  torch::Tensor c = t.contiguous();
  const auto* p = static_cast<const uint8_t*>(c.data_ptr());
  DType dtype = c.scalar_type() == torch::kBFloat16 ? DType::BF16
                : c.scalar_type() == torch::kInt64  ? DType::I64
                                                    : DType::F32;
  return test::makeTensor(name, dtype, c.sizes().vec(),
                          std::vector<uint8_t>(p, p + c.numel() * c.element_size()));
}

struct SavedModule {
  test::TempDir dir{"module"};
  std::map<std::string, torch::Tensor> values;
  Checkpoint checkpoint;

  // Random values for `shapes`, written to one file and opened.
  explicit SavedModule(const std::map<std::string, std::vector<int64_t>>& shapes) {
    torch::manual_seed(3);
    std::vector<TensorToWrite> tensors;
    for (const auto& [name, shape] : shapes) {
      values[name] = torch::randn(shape);
      tensors.push_back(tensorFrom(name, values[name]));
    }
    const std::string path = (dir / "m.safetensors").string();
    EXPECT_TRUE(writeSafetensors(path, tensors).ok());
    auto opened = Checkpoint::open(path);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    checkpoint = std::move(opened.value());
  }
};

torch::nn::Sequential twoLinears() {
  return torch::nn::Sequential(torch::nn::Linear(4, 3), torch::nn::Linear(3, 2));
}

TEST(LoadModuleWeights, FillsEveryParameter) {
  SavedModule saved({{"0.weight", {3, 4}}, {"0.bias", {3}}, {"1.weight", {2, 3}}, {"1.bias", {2}}});
  auto model = twoLinears();
  Status status =
      loadModuleWeights(*model, identityMap(saved.checkpoint), torch::kFloat32, torch::kCPU);
  ASSERT_TRUE(status.ok()) << status.error().message;
  for (const auto& item : model->named_parameters())
    EXPECT_TRUE(torch::equal(item.value(), saved.values.at(item.key()))) << item.key();
  // The filled module computes with the file's weights.
  torch::Tensor x = torch::randn({5, 4});
  torch::Tensor expected = torch::nn::functional::linear(
      torch::nn::functional::linear(x, saved.values["0.weight"], saved.values["0.bias"]),
      saved.values["1.weight"], saved.values["1.bias"]);
  EXPECT_TRUE(torch::equal(model->forward(x), expected));
}

TEST(LoadModuleWeights, ConvertsFloatingTensorsToTheRequestedDtype) {
  SavedModule saved({{"0.weight", {3, 4}}, {"0.bias", {3}}, {"1.weight", {2, 3}}, {"1.bias", {2}}});
  auto model = twoLinears();
  Status status =
      loadModuleWeights(*model, identityMap(saved.checkpoint), torch::kBFloat16, torch::kCPU);
  ASSERT_TRUE(status.ok()) << status.error().message;
  auto params = model->named_parameters();
  for (const auto& item : params) {
    EXPECT_EQ(item.value().scalar_type(), torch::kBFloat16) << item.key();
    EXPECT_TRUE(torch::equal(item.value(), saved.values.at(item.key()).to(torch::kBFloat16)));
  }
  // The module's own parameter objects changed (not copies of them).
  EXPECT_EQ(model[0]->as<torch::nn::Linear>()->weight.scalar_type(), torch::kBFloat16);
}

TEST(LoadModuleWeights, OneErrorListsMissingUnexpectedAndMismatchedNames) {
  SavedModule saved(
      {{"0.weight", {3, 5}}, {"0.bias", {3}}, {"1.weight", {2, 3}}, {"extra.scale", {7}}});
  auto model = twoLinears();
  const torch::Tensor before = model[0]->as<torch::nn::Linear>()->bias.clone();
  Status status =
      loadModuleWeights(*model, identityMap(saved.checkpoint), torch::kFloat32, torch::kCPU);
  ASSERT_FALSE(status.ok());
  const std::string& message = status.error().message;
  EXPECT_EQ(status.error().kind, ErrorKind::ModelInvalid);
  EXPECT_NE(message.find("m.safetensors"), std::string::npos) << message;
  EXPECT_NE(message.find("1 missing: 1.bias"), std::string::npos) << message;
  EXPECT_NE(message.find("1 unexpected: extra.scale"), std::string::npos) << message;
  EXPECT_NE(message.find("1 with a different shape: 0.weight (checkpoint [3, 5], model [3, 4])"),
            std::string::npos)
      << message;
  // Nothing was loaded: checks come before any copy.
  EXPECT_TRUE(torch::equal(model[0]->as<torch::nn::Linear>()->bias, before));
}

TEST(LoadModuleWeights, LongListsAreCutAfterTwentyWithACount) {
  SavedModule saved({{"0.weight", {3, 4}}});
  torch::nn::Sequential model;
  for (int i = 0; i < 13; ++i) model->push_back(torch::nn::Linear(4, 4));  // 26 parameters
  Status status =
      loadModuleWeights(*model, identityMap(saved.checkpoint), torch::kFloat32, torch::kCPU);
  ASSERT_FALSE(status.ok());
  const std::string& message = status.error().message;
  EXPECT_NE(message.find("25 missing: "), std::string::npos) << message;
  EXPECT_NE(message.find(", and 5 more"), std::string::npos) << message;
  EXPECT_NE(message.find("1 with a different shape: 0.weight"), std::string::npos) << message;
}

// A module with an integer buffer, a float buffer and a computed buffer.
struct WithBuffers : torch::nn::Module {
  torch::Tensor weight = register_parameter("weight", torch::zeros({2}));
  torch::Tensor ids = register_buffer("ids", torch::zeros({3}, torch::kInt64));
  torch::Tensor scale = register_buffer("scale", torch::zeros({1}));
  torch::Tensor cache = register_buffer("cache", torch::full({2}, 5.0));
};

TEST(LoadModuleWeights, IntegerBuffersKeepTheirDtypeAndComputedOnesAreSkipped) {
  test::TempDir dir("module-buffers");
  const std::string path = (dir / "b.safetensors").string();
  ASSERT_TRUE(writeSafetensors(path, {tensorFrom("weight", torch::tensor({1.5f, -2.0f})),
                                      tensorFrom("ids", torch::tensor({4, 5, 6}, torch::kInt64)),
                                      tensorFrom("scale", torch::tensor({0.25f}))})
                  .ok());
  auto checkpoint = Checkpoint::open(path);
  ASSERT_TRUE(checkpoint.ok());
  WithBuffers module;
  Status strict =
      loadModuleWeights(module, identityMap(checkpoint.value()), torch::kBFloat16, torch::kCPU);
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.error().message.find("1 missing: cache"), std::string::npos)
      << strict.error().message;

  Status status = loadModuleWeights(module, identityMap(checkpoint.value()), torch::kBFloat16,
                                    torch::kCPU, {"cache"});
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(module.ids.scalar_type(), torch::kInt64);
  EXPECT_TRUE(torch::equal(module.ids, torch::tensor({4, 5, 6}, torch::kInt64)));
  EXPECT_EQ(module.scale.scalar_type(), torch::kBFloat16);
  EXPECT_EQ(module.scale.item<float>(), 0.25f);
  EXPECT_TRUE(torch::equal(module.weight, torch::tensor({1.5f, -2.0f}).to(torch::kBFloat16)));
  EXPECT_TRUE(torch::equal(module.cache, torch::full({2}, 5.0)));
}

// ---- Golden weight files -------------------------------------------------

std::vector<fs::path> goldenSafetensors() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(test::goldenRoot()))
    if (entry.is_regular_file() && entry.path().extension() == ".safetensors")
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

nlohmann::json readHeaderIndependently(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char lengthBytes[8];
  in.read(reinterpret_cast<char*>(lengthBytes), 8);
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = length << 8 | lengthBytes[i];
  std::string header(length, '\0');
  in.read(header.data(), static_cast<std::streamsize>(length));
  return nlohmann::json::parse(header);
}

TEST(GoldenWeights, EveryGoldenFileOpensAndLoadsAsItsHeaderSays) {
  const auto files = goldenSafetensors();
  ASSERT_FALSE(files.empty()) << "no .safetensors under " << test::goldenRoot();
  for (const auto& path : files) {
    SCOPED_TRACE(path.string());
    auto checkpoint = Checkpoint::open(path.string());
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().message;
    const nlohmann::json header = readHeaderIndependently(path);
    size_t expectedCount = 0;
    for (const auto& [name, entry] : header.items()) {
      if (name == "__metadata__") continue;
      ++expectedCount;
      const CheckpointEntry* found = checkpoint.value().find(name);
      ASSERT_NE(found, nullptr) << name;
      EXPECT_EQ(safetensorsName(found->info->dtype), entry["dtype"].get<std::string>()) << name;
      EXPECT_EQ(found->info->shape, entry["shape"].get<std::vector<int64_t>>()) << name;
      auto tensor = loadTensor(*found);
      ASSERT_TRUE(tensor.ok()) << tensor.error().message;
      EXPECT_EQ(tensor.value().sizes().vec(), found->info->shape) << name;
      if (auto type = torchDtype(found->info->dtype)) {
        EXPECT_EQ(tensor.value().scalar_type(), *type);
      }
    }
    EXPECT_EQ(checkpoint.value().entries().size(), expectedCount);
    EXPECT_GT(expectedCount, 0u);
  }
}

// Flux cases: the weights hold `depth` double and `depth_single_blocks`
// single blocks in the dtype the case's config.json states.
TEST(GoldenWeights, FluxWeightsMatchTheirCaseConfig) {
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(test::goldenRoot() / "flux")) {
    const fs::path config = entry.path() / "config.json";
    const fs::path weights = entry.path() / "weights.safetensors";
    if (!fs::exists(config) || !fs::exists(weights)) continue;
    const auto json = nlohmann::json::parse(test::readTextFile(config));
    if (!json.contains("flux_params")) continue;
    SCOPED_TRACE(weights.string());
    auto checkpoint = Checkpoint::open(weights.string());
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().message;
    const DType expectedDtype =
        json.value("dtype", "float32") == "bfloat16" ? DType::BF16 : DType::F32;
    std::set<std::string> doubleBlocks, singleBlocks;
    const std::regex block(R"(^(double|single)_blocks\.(\d+)\.)");
    for (const auto& [name, item] : checkpoint.value().entries()) {
      EXPECT_EQ(item.info->dtype, expectedDtype) << name;
      std::smatch m;
      if (std::regex_search(name, m, block))
        (m[1] == "double" ? doubleBlocks : singleBlocks).insert(m[2]);
    }
    EXPECT_EQ(static_cast<int64_t>(doubleBlocks.size()),
              json["flux_params"]["depth"].get<int64_t>());
    EXPECT_EQ(static_cast<int64_t>(singleBlocks.size()),
              json["flux_params"]["depth_single_blocks"].get<int64_t>());
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

// Cases derived from another by rounding the weights to bf16: the bf16 file
// must equal the float32 file converted on load, bit for bit, and widen back
// to float32 exactly.
TEST(GoldenWeights, Bf16CaseEqualsItsFloat32SourceRounded) {
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(test::goldenRoot() / "flux")) {
    const fs::path config = entry.path() / "config.json";
    if (!fs::exists(config)) continue;
    const auto json = nlohmann::json::parse(test::readTextFile(config));
    if (json.value("dtype", "") != "bfloat16" || !json.contains("derived_from")) continue;
    // "case transformer_forward: ..." names the source case folder.
    std::smatch m;
    const std::string derived = json["derived_from"].get<std::string>();
    ASSERT_TRUE(std::regex_search(derived, m, std::regex(R"(case (\w+))"))) << derived;
    const fs::path source = entry.path().parent_path() / m[1].str() / "weights.safetensors";
    SCOPED_TRACE(entry.path().string());
    auto bf16 = Checkpoint::open((entry.path() / "weights.safetensors").string());
    auto f32 = Checkpoint::open(source.string());
    ASSERT_TRUE(bf16.ok() && f32.ok());
    ASSERT_EQ(bf16.value().entries().size(), f32.value().entries().size());
    for (const auto& [name, item] : bf16.value().entries()) {
      const CheckpointEntry* original = f32.value().find(name);
      ASSERT_NE(original, nullptr) << name;
      auto stored = loadTensor(item);
      auto rounded = loadTensor(*original, torch::kBFloat16);
      auto widened = loadTensor(item, torch::kFloat32);
      ASSERT_TRUE(stored.ok() && rounded.ok() && widened.ok());
      EXPECT_EQ(stored.value().scalar_type(), torch::kBFloat16);
      EXPECT_TRUE(torch::equal(stored.value(), rounded.value())) << name;
      // Widening is exact: the float32 bits are the bf16 bits followed by zeros.
      torch::Tensor bits = widened.value().view(torch::kInt32);
      EXPECT_TRUE(torch::equal(bits.bitwise_and(0xFFFF), torch::zeros_like(bits))) << name;
      EXPECT_TRUE(
          torch::equal(bits.__rshift__(16).to(torch::kInt16), stored.value().view(torch::kInt16)))
          << name;
    }
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace fd
