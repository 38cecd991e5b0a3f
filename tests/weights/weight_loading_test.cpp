// Stored bytes -> owned CPU tensors: every dtype's values, exact float8 and
// bf16 decoding, conversions on load, and canonical recipes (concatenation,
// half swap, reshape).

#include "tensor/weight_loading.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>
#include <limits>
#include <random>

#include "support/test_paths.h"
#include "weights/float8.h"
#include "weights_test_util.h"

namespace fd {
namespace {

using test::bytesOf;
using test::makeTensor;

// Writes `tensors` into one file of `dir` and opens it as a checkpoint.
Checkpoint writeAndOpen(const test::TempDir& dir, const std::vector<TensorToWrite>& tensors) {
  const std::string path = (dir / "t.safetensors").string();
  Status written = writeSafetensors(path, tensors);
  EXPECT_TRUE(written.ok()) << written.error().message;
  auto checkpoint = Checkpoint::open(path);
  EXPECT_TRUE(checkpoint.ok()) << checkpoint.error().message;
  return std::move(checkpoint.value());
}

torch::Tensor load(const Checkpoint& checkpoint, const std::string& name,
                   std::optional<torch::ScalarType> dtype = std::nullopt) {
  const CheckpointEntry* entry = checkpoint.find(name);
  EXPECT_NE(entry, nullptr) << name;
  auto tensor = loadTensor(*entry, dtype);
  EXPECT_TRUE(tensor.ok()) << tensor.error().message;
  return tensor.value();
}

template <typename T>
std::vector<T> valuesOf(const torch::Tensor& t) {
  torch::Tensor c = t.contiguous();
  return std::vector<T>(c.data_ptr<T>(), c.data_ptr<T>() + c.numel());
}

std::vector<uint16_t> halfBits(const torch::Tensor& t) {
  torch::Tensor c = t.contiguous();
  std::vector<uint16_t> bits(c.numel());
  std::memcpy(bits.data(), c.data_ptr(), bits.size() * 2);
  return bits;
}

std::vector<uint32_t> floatBits(const torch::Tensor& t) {
  torch::Tensor c = t.contiguous();
  std::vector<uint32_t> bits(c.numel());
  std::memcpy(bits.data(), c.data_ptr<float>(), bits.size() * 4);
  return bits;
}

TEST(TorchDtype, MapsEveryStoredTypeExceptGgmlBlocks) {
  EXPECT_EQ(torchDtype(DType::F64), torch::kFloat64);
  EXPECT_EQ(torchDtype(DType::F32), torch::kFloat32);
  EXPECT_EQ(torchDtype(DType::F16), torch::kFloat16);
  EXPECT_EQ(torchDtype(DType::BF16), torch::kBFloat16);
  EXPECT_EQ(torchDtype(DType::I64), torch::kInt64);
  EXPECT_EQ(torchDtype(DType::I32), torch::kInt32);
  EXPECT_EQ(torchDtype(DType::I16), torch::kInt16);
  EXPECT_EQ(torchDtype(DType::I8), torch::kInt8);
  EXPECT_EQ(torchDtype(DType::U8), torch::kUInt8);
  EXPECT_EQ(torchDtype(DType::BOOL), torch::kBool);
  EXPECT_EQ(torchDtype(DType::F8_E4M3), torch::kFloat8_e4m3fn);
  EXPECT_EQ(torchDtype(DType::F8_E5M2), torch::kFloat8_e5m2);
  for (DType blocks : {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::Q2_K,
                       DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K})
    EXPECT_FALSE(torchDtype(blocks).has_value()) << dtypeDisplayName(blocks);
}

// Torch's own float8 conversions agree with the exact tables the loader
// decodes with (packed float8 weights are expanded by torch).
TEST(TorchDtype, TorchFloat8ConversionMatchesTheTables) {
  auto bytes = torch::arange(256, torch::kInt32).to(torch::kUInt8);
  for (auto [type, table] : {std::pair{torch::kFloat8_e4m3fn, &float8E4M3Table()},
                             std::pair{torch::kFloat8_e5m2, &float8E5M2Table()}}) {
    const auto viaTorch = bytes.view(type).to(torch::kFloat32);
    const auto viaTable =
        torch::from_blob(const_cast<float*>(table->data()), {256}, torch::kFloat32);
    EXPECT_TRUE(torch::equal(viaTorch.isnan(), viaTable.isnan()));
    EXPECT_TRUE(torch::equal(viaTorch.nan_to_num(0), viaTable.nan_to_num(0)));
  }
}

TEST(LoadTensor, IntegerAndBoolTypesKeepEveryValue) {
  test::TempDir dir("load-int");
  const std::vector<int64_t> i64{std::numeric_limits<int64_t>::min(), -1, 0,
                                 std::numeric_limits<int64_t>::max()};
  const std::vector<int32_t> i32{std::numeric_limits<int32_t>::min(), 5,
                                 std::numeric_limits<int32_t>::max()};
  const std::vector<int16_t> i16{-32768, 3, 32767};
  const std::vector<int8_t> i8{-128, -1, 127};
  const std::vector<uint8_t> u8{0, 128, 255};
  Checkpoint c = writeAndOpen(dir, {makeTensor("i64", DType::I64, {2, 2}, bytesOf(i64)),
                                    makeTensor("i32", DType::I32, {3}, bytesOf(i32)),
                                    makeTensor("i16", DType::I16, {3}, bytesOf(i16)),
                                    makeTensor("i8", DType::I8, {3, 1}, bytesOf(i8)),
                                    makeTensor("u8", DType::U8, {3}, bytesOf(u8)),
                                    makeTensor("bool", DType::BOOL, {4}, {0, 1, 2, 0})});
  torch::Tensor t64 = load(c, "i64");
  EXPECT_EQ(t64.scalar_type(), torch::kInt64);
  EXPECT_EQ(t64.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(valuesOf<int64_t>(t64), i64);
  EXPECT_EQ(valuesOf<int32_t>(load(c, "i32")), i32);
  EXPECT_EQ(valuesOf<int16_t>(load(c, "i16")), i16);
  torch::Tensor t8 = load(c, "i8");
  EXPECT_EQ(t8.scalar_type(), torch::kInt8);
  EXPECT_EQ(valuesOf<int8_t>(t8), i8);
  EXPECT_EQ(valuesOf<uint8_t>(load(c, "u8")), u8);
  // Any nonzero byte reads as true (and is stored as a proper torch bool).
  torch::Tensor flags = load(c, "bool");
  EXPECT_EQ(flags.scalar_type(), torch::kBool);
  EXPECT_EQ(valuesOf<bool>(flags), (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ(flags.sum().item<int64_t>(), 2);
  // Conversion on request: int16 -> float32.
  EXPECT_EQ(valuesOf<float>(load(c, "i16", torch::kFloat32)),
            (std::vector<float>{-32768, 3, 32767}));
}

TEST(LoadTensor, FloatTypesKeepEveryValue) {
  test::TempDir dir("load-float");
  const std::vector<double> f64{1.5, -2.25, 1e300, std::numeric_limits<double>::denorm_min()};
  const std::vector<float> f32{3.25f, -1e-38f, std::numeric_limits<float>::infinity(), 1e-45f};
  // f16: 1, -2.5, 65504 (max), 2^-24 (min subnormal), inf.
  const std::vector<uint16_t> f16{0x3C00, 0xC100, 0x7BFF, 0x0001, 0x7C00};
  // bf16: 1, -3, 3.140625, inf, 2^-133 (min subnormal).
  const std::vector<uint16_t> bf16{0x3F80, 0xC040, 0x4049, 0x7F80, 0x0001};
  Checkpoint c = writeAndOpen(dir, {makeTensor("f64", DType::F64, {4}, bytesOf(f64)),
                                    makeTensor("f32", DType::F32, {2, 2}, bytesOf(f32)),
                                    makeTensor("f16", DType::F16, {5}, bytesOf(f16)),
                                    makeTensor("bf16", DType::BF16, {5}, bytesOf(bf16))});
  EXPECT_EQ(valuesOf<double>(load(c, "f64")), f64);
  torch::Tensor t32 = load(c, "f32");
  EXPECT_EQ(t32.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(valuesOf<float>(t32), f32);
  torch::Tensor t16 = load(c, "f16");
  EXPECT_EQ(t16.scalar_type(), torch::kFloat16);
  EXPECT_EQ(halfBits(t16), f16);
  EXPECT_EQ(valuesOf<float>(load(c, "f16", torch::kFloat32)),
            (std::vector<float>{1.0f, -2.5f, 65504.0f, std::ldexp(1.0f, -24),
                                std::numeric_limits<float>::infinity()}));
  torch::Tensor tb = load(c, "bf16");
  EXPECT_EQ(tb.scalar_type(), torch::kBFloat16);
  EXPECT_EQ(halfBits(tb), bf16);
  EXPECT_EQ(valuesOf<float>(load(c, "bf16", torch::kFloat32)),
            (std::vector<float>{1.0f, -3.0f, 3.140625f, std::numeric_limits<float>::infinity(),
                                std::ldexp(1.0f, -133)}));
}

TEST(LoadTensor, Bf16ConvertsToFloat32Exactly) {
  test::TempDir dir("load-bf16");
  std::mt19937 random(7);
  std::vector<uint16_t> bits;
  while (bits.size() < 4096) {
    const auto b = static_cast<uint16_t>(random());
    if ((b & 0x7F80) == 0x7F80 && (b & 0x7F)) continue;  // NaN payloads may be quietened
    bits.push_back(b);
  }
  Checkpoint c = writeAndOpen(dir, {makeTensor("w", DType::BF16, {64, 64}, bytesOf(bits))});
  EXPECT_EQ(halfBits(load(c, "w")), bits);
  const std::vector<uint32_t> widened = floatBits(load(c, "w", torch::kFloat32));
  ASSERT_EQ(widened.size(), bits.size());
  for (size_t i = 0; i < bits.size(); ++i)
    ASSERT_EQ(widened[i], static_cast<uint32_t>(bits[i]) << 16) << "element " << i;
  // And back: float32 -> bf16 on load of a float32 file gives the same bits.
  std::vector<float> asFloat(widened.size());
  std::memcpy(asFloat.data(), widened.data(), widened.size() * 4);
  Checkpoint c32 = writeAndOpen(dir, {makeTensor("w", DType::F32, {64, 64}, bytesOf(asFloat))});
  EXPECT_EQ(halfBits(load(c32, "w", torch::kBFloat16)), bits);
}

std::vector<uint8_t> allBytes() {
  std::vector<uint8_t> bytes(256);
  for (int i = 0; i < 256; ++i) bytes[i] = static_cast<uint8_t>(i);
  return bytes;
}

TEST(LoadTensor, Float8E4M3DecodesExactlyAndConverts) {
  test::TempDir dir("load-e4m3");
  Checkpoint c = writeAndOpen(dir, {makeTensor("w", DType::F8_E4M3, {16, 16}, allBytes())});
  torch::Tensor f = load(c, "w");  // no dtype: float32
  EXPECT_EQ(f.scalar_type(), torch::kFloat32);
  EXPECT_EQ(f.sizes(), (std::vector<int64_t>{16, 16}));
  const auto v = valuesOf<float>(f);
  EXPECT_EQ(v[0x38], 1.0f);
  EXPECT_EQ(v[0x7E], 448.0f);
  EXPECT_EQ(v[0xFE], -448.0f);
  EXPECT_EQ(v[0x01], std::ldexp(1.0f, -9));
  EXPECT_TRUE(std::signbit(v[0x80]) && v[0x80] == 0.0f);
  EXPECT_TRUE(std::isnan(v[0x7F]) && std::isnan(v[0xFF]));
  for (int b = 0; b < 256; ++b) {
    if (!std::isnan(v[b])) {
      EXPECT_EQ(v[b], float8E4M3Table()[b]) << b;
    }
  }
  // Every e4m3 value fits bf16 and f16 exactly: converting back is lossless.
  for (auto type : {torch::kBFloat16, torch::kFloat16, torch::kFloat64}) {
    torch::Tensor converted = load(c, "w", type);
    EXPECT_EQ(converted.scalar_type(), type);
    EXPECT_TRUE(torch::equal(converted.to(torch::kFloat32).isnan(), f.isnan()));
    torch::Tensor finite = ~f.isnan();
    EXPECT_TRUE(
        torch::equal(converted.to(torch::kFloat32).masked_select(finite), f.masked_select(finite)));
  }
}

TEST(LoadTensor, Float8E5M2IsTheTopByteOfFloat16) {
  test::TempDir dir("load-e5m2");
  Checkpoint c = writeAndOpen(dir, {makeTensor("w", DType::F8_E5M2, {256}, allBytes())});
  const auto v = valuesOf<float>(load(c, "w"));
  EXPECT_EQ(v[0x7B], 57344.0f);
  EXPECT_EQ(v[0x01], std::ldexp(1.0f, -16));
  EXPECT_EQ(v[0x7C], std::numeric_limits<float>::infinity());
  EXPECT_EQ(v[0xFC], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(v[0x7D]) && std::isnan(v[0xFF]));
  // e5m2 is float16 with the low mantissa byte cut: an independent check.
  const auto half = halfBits(load(c, "w", torch::kFloat16));
  for (int b = 0; b < 256; ++b) {
    if (!std::isnan(v[b])) {
      EXPECT_EQ(half[b], b << 8) << b;
    }
  }
}

TEST(LoadTensor, ScalarsZeroSizeAndOwnership) {
  test::TempDir dir("load-own");
  torch::Tensor kept;
  {
    Checkpoint c = writeAndOpen(
        dir, {makeTensor("s", DType::F32, {}, bytesOf<float>({2.5f})),
              makeTensor("z", DType::F16, {0, 4}, {}), makeTensor("z8", DType::F8_E4M3, {3, 0}, {}),
              makeTensor("w", DType::F32, {3}, bytesOf<float>({7, 8, 9}))});
    torch::Tensor s = load(c, "s");
    EXPECT_EQ(s.dim(), 0);
    EXPECT_EQ(s.item<float>(), 2.5f);
    EXPECT_EQ(load(c, "z").sizes(), (std::vector<int64_t>{0, 4}));
    EXPECT_EQ(load(c, "z8").sizes(), (std::vector<int64_t>{3, 0}));
    kept = load(c, "w");
  }
  // The file is unmapped now; the tensor owns its copy.
  std::filesystem::remove(dir / "t.safetensors");
  EXPECT_EQ(valuesOf<float>(kept), (std::vector<float>{7, 8, 9}));
}

// Recipe over named entries of `c`.
WeightRecipe recipeOf(const Checkpoint& c, const std::vector<std::string>& names,
                      std::vector<int64_t> shape, bool swapHalves = false) {
  WeightRecipe recipe;
  for (const auto& name : names) recipe.parts.push_back(*c.find(name));
  recipe.shape = std::move(shape);
  recipe.swapHalves = swapHalves;
  recipe.dtype = recipe.parts.front().info->dtype;
  return recipe;
}

TEST(LoadCanonical, ConcatenatesSwapsAndReshapes) {
  test::TempDir dir("canonical");
  Checkpoint c =
      writeAndOpen(dir, {makeTensor("q", DType::F32, {1, 2}, bytesOf<float>({1, 2})),
                         makeTensor("k", DType::F32, {2, 2}, bytesOf<float>({3, 4, 5, 6})),
                         makeTensor("v", DType::F16, {1, 2}, bytesOf<uint16_t>({0x4700, 0x4800})),
                         makeTensor("odd", DType::F32, {1, 3}, bytesOf<float>({0, 0, 0}))});
  auto qkv = loadCanonical(recipeOf(c, {"q", "k", "v"}, {4, 2}));
  ASSERT_TRUE(qkv.ok()) << qkv.error().message;
  EXPECT_EQ(qkv.value().scalar_type(), torch::kFloat32);  // first part's dtype
  EXPECT_EQ(valuesOf<float>(qkv.value()), (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}));

  // [scale; shift] -> [shift; scale], reshaped to (4, 2, 1).
  auto swapped = loadCanonical(recipeOf(c, {"q", "k", "v"}, {4, 2, 1}, true), torch::kFloat64);
  ASSERT_TRUE(swapped.ok()) << swapped.error().message;
  EXPECT_EQ(swapped.value().scalar_type(), torch::kFloat64);
  EXPECT_EQ(swapped.value().sizes(), (std::vector<int64_t>{4, 2, 1}));
  EXPECT_EQ(valuesOf<double>(swapped.value()), (std::vector<double>{5, 6, 7, 8, 1, 2, 3, 4}));

  auto wrongCount = loadCanonical(recipeOf(c, {"k"}, {3, 2}));
  ASSERT_FALSE(wrongCount.ok());
  EXPECT_EQ(wrongCount.error().kind, ErrorKind::ModelInvalid);
  EXPECT_NE(wrongCount.error().message.find("'k'"), std::string::npos)
      << wrongCount.error().message;
  EXPECT_NE(wrongCount.error().message.find("[3, 2]"), std::string::npos)
      << wrongCount.error().message;

  auto mismatch = loadCanonical(recipeOf(c, {"q", "odd"}, {2, 2}));
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().kind, ErrorKind::ModelInvalid);
  EXPECT_NE(mismatch.error().message.find("'odd'"), std::string::npos) << mismatch.error().message;

  auto oddSwap = loadCanonical(recipeOf(c, {"q"}, {1, 2}, true));
  ASSERT_FALSE(oddSwap.ok());
  EXPECT_EQ(oddSwap.error().kind, ErrorKind::ModelInvalid);

  EXPECT_FALSE(loadCanonical(WeightRecipe{}).ok());
}

}  // namespace
}  // namespace fd
