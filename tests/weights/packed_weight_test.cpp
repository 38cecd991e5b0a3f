// Weights kept as stored: ggml blocks and float8 in Dense layers, expanded
// per call on the CPU loops and with tensor operations (the GPU path, run
// here on the CPU); views of the mapped file instead of copies.

#include "tensor/packed_weight.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "support/test_paths.h"
#include "tensor/ggml_dequant_torch.h"
#include "tensor/layers.h"
#include "tensor/weight_loading.h"
#include "weights/ggml_quants.h"
#include "weights/gguf_writer.h"
#include "weights_test_util.h"

namespace fd {
namespace {

using test::identityMap;

// Two linear layers, the first quantized in the file.
struct TwoLayers : torch::nn::Module {
  Dense first{nullptr}, second{nullptr};
  TwoLayers(int64_t in, int64_t hidden, int64_t out) {
    first = register_module("first", Dense(in, hidden, true));
    second = register_module("second", Dense(hidden, out, false));
  }
};

std::vector<uint8_t> quantized(DType type, const torch::Tensor& values) {
  const torch::Tensor v = values.contiguous().to(torch::kFloat32);
  std::vector<uint8_t> bytes(*storageBytes(type, v.numel()));
  const int64_t cols = v.size(-1);
  const int64_t rowBytes = static_cast<int64_t>(*storageBytes(type, cols));
  for (int64_t r = 0; r < v.numel() / cols; ++r)
    EXPECT_TRUE(
        quantizeRow(type, v.data_ptr<float>() + r * cols, bytes.data() + r * rowBytes, cols).ok());
  return bytes;
}

std::vector<uint8_t> rawBytes(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous();
  const auto* p = static_cast<const uint8_t*>(c.data_ptr());
  return std::vector<uint8_t>(p, p + c.numel() * c.element_size());
}

class PackedWeights : public testing::TestWithParam<DType> {};

TEST_P(PackedWeights, DenseKeepsBlocksAndMatchesTheExpandedProduct) {
  const DType type = GetParam();
  torch::manual_seed(11);
  const int64_t in = 512, hidden = 64, out = 8;
  const auto w1 = torch::randn({hidden, in}) / 20, b1 = torch::randn({hidden}) / 10,
             w2 = torch::randn({out, hidden}) / 8;
  test::TempDir dir("packed");
  const std::string path = (dir / "m.gguf").string();
  std::vector<std::vector<uint8_t>> bytes = {quantized(type, w1), rawBytes(b1), rawBytes(w2)};
  const std::vector<GgufTensorLayout> layout = {{"first.weight", type, {hidden, in}},
                                                {"first.bias", DType::F32, {hidden}},
                                                {"second.weight", DType::F32, {out, hidden}}};
  ASSERT_TRUE(writeGgufStreaming(path, {{"general.architecture", std::string("test")}}, layout,
                                 [&](size_t i, std::vector<uint8_t>& b) {
                                   b = bytes[i];
                                   return Status::success();
                                 })
                  .ok());
  auto checkpoint = Checkpoint::open(path);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().message;

  for (auto dtype : {torch::kFloat32, torch::kBFloat16}) {
    auto model = std::make_shared<TwoLayers>(in, hidden, out);
    ASSERT_TRUE(
        loadModuleWeights(*model, identityMap(checkpoint.value()), dtype, torch::kCPU).ok());
    // Kept as the file's bytes: uint8 blocks, a view of the mapping.
    ASSERT_EQ(model->first->packedType(), type);
    EXPECT_EQ(model->first->weight.scalar_type(), torch::kUInt8);
    EXPECT_EQ(
        model->first->weight.data_ptr(),
        static_cast<const void*>(checkpoint.value()
                                     .find("first.weight")
                                     ->file->data(*checkpoint.value().find("first.weight")->info)));
    EXPECT_FALSE(model->second->packedType().has_value());

    // The file's blocks expanded by the CPU loops and by tensor operations agree.
    const auto expanded = model->first->weightIn(torch::kFloat32);
    const auto viaOps = dequantizeBlocksTorch(model->first->weight, type, in);
    EXPECT_TRUE(torch::allclose(expanded, viaOps, 0, 1e-6))
        << (expanded - viaOps).abs().max().item<float>();
    // Quantization error is small against the original weights.
    EXPECT_LT((expanded - w1).abs().max().item<float>(), 0.05);

    const auto x = torch::randn({3, in}).to(dtype);
    const auto y = model->first->forward(x);
    const auto reference = torch::linear(x.to(torch::kFloat32), expanded, b1);
    EXPECT_EQ(y.scalar_type(), dtype);
    EXPECT_TRUE(torch::allclose(y.to(torch::kFloat32), reference, 2e-2, 2e-2))
        << (y.to(torch::kFloat32) - reference).abs().max().item<float>();

    // Module::to(dtype) converts the bias, never the packed blocks.
    model->to(torch::kFloat32);
    EXPECT_EQ(model->first->weight.scalar_type(), torch::kUInt8);
    EXPECT_EQ(model->first->bias.scalar_type(), torch::kFloat32);
    EXPECT_TRUE(
        torch::allclose(model->first->forward(x.to(torch::kFloat32)), reference, 2e-2, 2e-2));
  }
}

INSTANTIATE_TEST_SUITE_P(Types, PackedWeights,
                         testing::Values(DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0,
                                         DType::Q5_1, DType::Q4_K, DType::Q6_K),
                         [](const testing::TestParamInfo<DType>& info) {
                           return std::string(dtypeDisplayName(info.param));
                         });

TEST(PackedWeights, Float8StaysOneBytePerWeight) {
  torch::manual_seed(5);
  const auto w = (torch::randn({16, 32}) / 4).to(torch::kFloat8_e4m3fn);
  test::TempDir dir("fp8");
  const std::string path = (dir / "m.safetensors").string();
  ASSERT_TRUE(writeSafetensors(
                  path, {test::makeTensor("weight", DType::F8_E4M3, {16, 32}, rawBytes(w)),
                         test::makeTensor("bias", DType::F32, {16}, rawBytes(torch::zeros({16})))})
                  .ok());
  auto checkpoint = Checkpoint::open(path);
  ASSERT_TRUE(checkpoint.ok());
  Dense dense(32, 16, true);
  ASSERT_TRUE(
      loadModuleWeights(*dense, identityMap(checkpoint.value()), torch::kBFloat16, torch::kCPU)
          .ok());
  EXPECT_EQ(dense->weight.scalar_type(), torch::kFloat8_e4m3fn);
  EXPECT_EQ(dense->packedType(), DType::F8_E4M3);
  const auto x = torch::randn({2, 32}).to(torch::kBFloat16);
  const auto expected = torch::linear(x, w.to(torch::kBFloat16));
  EXPECT_TRUE(torch::equal(dense->forward(x), expected));
}

TEST(PackedWeights, UnconvertedTensorsAreViewsOfTheMappedFile) {
  const auto w = torch::randn({8, 4}).to(torch::kBFloat16);
  test::TempDir dir("view");
  const std::string path = (dir / "m.safetensors").string();
  ASSERT_TRUE(
      writeSafetensors(path, {test::makeTensor("weight", DType::BF16, {8, 4}, rawBytes(w))}).ok());
  auto checkpoint = Checkpoint::open(path);
  ASSERT_TRUE(checkpoint.ok());
  const WeightMap map = identityMap(checkpoint.value());
  auto view = viewCanonical(*map.find("weight"), torch::kBFloat16);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->data_ptr(),
            static_cast<const void*>(checkpoint.value().find("weight")->file->data(
                *checkpoint.value().find("weight")->info)));
  EXPECT_TRUE(torch::equal(*view, w));
  // Another dtype needs a conversion: no view.
  EXPECT_FALSE(viewCanonical(*map.find("weight"), torch::kFloat32).has_value());
  // The view keeps the file mapped after the checkpoint is gone.
  torch::Tensor kept = *view;
  checkpoint = makeError(ErrorKind::Internal, "dropped");
  EXPECT_TRUE(torch::equal(kept, w));
}

}  // namespace
}  // namespace fd
