// writeSafetensors -> SafetensorsFile::open for every dtype, the on-disk
// layout, edge cases (scalars, zero-size tensors, no tensors) and writer
// errors.

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "support/test_paths.h"
#include "weights/safetensors_file.h"
#include "weights_test_util.h"

namespace fd {
namespace {

using test::bytesOf;
using test::makeTensor;

// One tensor per dtype with values that exercise the type's range.
std::vector<TensorToWrite> oneTensorPerDtype() {
  std::vector<TensorToWrite> t;
  t.push_back(makeTensor("f64", DType::F64, {2, 2}, bytesOf<double>({1.5, -2.25, 1e300, -0.0})));
  t.push_back(makeTensor("f32", DType::F32, {3}, bytesOf<float>({3.25f, -1e-38f, 65504.5f})));
  t.push_back(makeTensor("f16", DType::F16, {2}, bytesOf<uint16_t>({0x3C00, 0xFBFF})));
  t.push_back(makeTensor("bf16", DType::BF16, {2, 1}, bytesOf<uint16_t>({0x3F80, 0xC040})));
  t.push_back(makeTensor("i64", DType::I64, {3},
                         bytesOf<int64_t>({std::numeric_limits<int64_t>::min(), -1,
                                           std::numeric_limits<int64_t>::max()})));
  t.push_back(makeTensor("i32", DType::I32, {2}, bytesOf<int32_t>({-2147483647 - 1, 7})));
  t.push_back(makeTensor("i16", DType::I16, {2}, bytesOf<int16_t>({-32768, 32767})));
  t.push_back(makeTensor("i8", DType::I8, {3}, bytesOf<int8_t>({-128, 0, 127})));
  t.push_back(makeTensor("u8", DType::U8, {1, 3}, bytesOf<uint8_t>({0, 128, 255})));
  t.push_back(makeTensor("bool", DType::BOOL, {4}, bytesOf<uint8_t>({0, 1, 1, 0})));
  t.push_back(
      makeTensor("f8_e4m3", DType::F8_E4M3, {2, 2}, bytesOf<uint8_t>({0x38, 0x7E, 0x7F, 0x80})));
  t.push_back(makeTensor("f8_e5m2", DType::F8_E5M2, {3}, bytesOf<uint8_t>({0x3C, 0x7B, 0x7C})));
  return t;
}

std::vector<uint8_t> bytesAt(const SafetensorsFile& file, const TensorInfo& info) {
  const uint8_t* p = file.data(info);
  return std::vector<uint8_t>(p, p + info.byteSize());
}

TEST(SafetensorsRoundTrip, EveryDtypeKeepsNameShapeAndBytes) {
  test::TempDir dir("st-roundtrip");
  const auto tensors = oneTensorPerDtype();
  ASSERT_EQ(tensors.size(), 12u);
  for (const auto& tensor : tensors) {
    const std::string path = (dir / (tensor.name + ".safetensors")).string();
    ASSERT_TRUE(writeSafetensors(path, {tensor}).ok()) << tensor.name;
    auto file = SafetensorsFile::open(path);
    ASSERT_TRUE(file.ok()) << file.error().message;
    ASSERT_EQ(file.value()->tensors().size(), 1u);
    const TensorInfo* info = file.value()->find(tensor.name);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->dtype, tensor.dtype);
    EXPECT_EQ(info->shape, tensor.shape);
    EXPECT_EQ(info->numel() * static_cast<int64_t>(dtypeSize(tensor.dtype)),
              static_cast<int64_t>(tensor.bytes.size()));
    EXPECT_EQ(bytesAt(*file.value(), *info), tensor.bytes) << tensor.name;
  }
  EXPECT_TRUE(test::tempLeftovers(dir.path()).empty());
}

TEST(SafetensorsRoundTrip, ManyTensorsKeepOrderMetadataAndAlignment) {
  test::TempDir dir("st-layout");
  auto tensors = oneTensorPerDtype();
  // Given order is kept in the data section (not sorted by name).
  std::reverse(tensors.begin(), tensors.end());
  tensors.push_back(makeTensor("scalar", DType::F32, {}, bytesOf<float>({42.0f})));
  tensors.push_back(makeTensor("empty", DType::F16, {0, 5}, {}));
  const std::map<std::string, std::string> metadata{{"format", "pt"},
                                                    {"note", "caf\xC3\xA9 \"q\""}};
  const std::string path = (dir / "all.safetensors").string();
  ASSERT_TRUE(writeSafetensors(path, tensors, metadata).ok());

  const std::string raw = test::readBytes(path);
  uint64_t headerLength = 0;
  for (int i = 7; i >= 0; --i) headerLength = headerLength << 8 | static_cast<uint8_t>(raw[i]);
  EXPECT_EQ((8 + headerLength) % 8, 0u) << "data section must start 8-byte aligned";
  EXPECT_EQ(raw[8], '{');
  const std::string header = raw.substr(8, headerLength);
  EXPECT_EQ(header.find_last_not_of(' '), header.rfind('}')) << "padding must be spaces";

  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file.value()->metadata(), metadata);
  ASSERT_EQ(file.value()->tensors().size(), tensors.size());
  uint64_t offset = 0;
  for (const auto& tensor : tensors) {
    const TensorInfo* info = file.value()->find(tensor.name);
    ASSERT_NE(info, nullptr) << tensor.name;
    EXPECT_EQ(info->begin, offset) << tensor.name;
    offset += tensor.bytes.size();
    EXPECT_EQ(info->end, offset) << tensor.name;
    EXPECT_EQ(bytesAt(*file.value(), *info), tensor.bytes) << tensor.name;
  }
  EXPECT_EQ(raw.size(), 8 + headerLength + offset) << "no bytes beyond the last tensor";
  const TensorInfo* scalar = file.value()->find("scalar");
  EXPECT_TRUE(scalar->shape.empty());
  EXPECT_EQ(scalar->numel(), 1);
  EXPECT_EQ(file.value()->find("empty")->numel(), 0);
  // tensors() is ordered by data offset.
  const auto& listed = file.value()->tensors();
  for (size_t i = 1; i < listed.size(); ++i) EXPECT_LE(listed[i - 1].begin, listed[i].begin);
  EXPECT_EQ(file.value()->find("missing"), nullptr);
}

TEST(SafetensorsRoundTrip, BorrowedBytesAreWrittenLikeOwnedOnes) {
  test::TempDir dir("st-borrowed");
  const std::vector<float> values{1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};
  TensorToWrite borrowed;
  borrowed.name = "w";
  borrowed.dtype = DType::F32;
  borrowed.shape = {2, 3};
  borrowed.data = values.data();
  borrowed.size = values.size() * sizeof(float);
  const std::string path = (dir / "b.safetensors").string();
  ASSERT_TRUE(writeSafetensors(path, {borrowed}).ok());
  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(bytesAt(*file.value(), *file.value()->find("w")), bytesOf(values));
}

TEST(SafetensorsRoundTrip, FileWithoutTensorsOrDataOpens) {
  test::TempDir dir("st-nodata");
  const std::string path = (dir / "none.safetensors").string();
  ASSERT_TRUE(writeSafetensors(path, {}, {{"k", "v"}}).ok());
  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_TRUE(file.value()->tensors().empty());
  EXPECT_EQ(file.value()->metadata().at("k"), "v");

  // Hand-made: "{}" and only zero-size tensors, no data bytes at all.
  const std::string bare = (dir / "bare.safetensors").string();
  test::writeBytes(bare, test::rawSafetensors("{}"));
  ASSERT_TRUE(SafetensorsFile::open(bare).ok());
  const std::string zeros = (dir / "zeros.safetensors").string();
  test::writeBytes(
      zeros, test::rawSafetensors(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
                                  R"("b":{"dtype":"I8","shape":[3,0,2],"data_offsets":[0,0]}})"));
  auto opened = SafetensorsFile::open(zeros);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened.value()->tensors().size(), 2u);
  EXPECT_EQ(opened.value()->find("b")->byteSize(), 0u);
  EXPECT_NE(opened.value()->data(*opened.value()->find("b")), nullptr);
}

TEST(SafetensorsRoundTrip, ToleratesGapsPaddingAndUnorderedOffsets) {
  test::TempDir dir("st-gaps");
  const std::string path = (dir / "gaps.safetensors").string();
  // b stored before a, 4 unused bytes between them, header padded.
  test::writeBytes(
      path, test::rawSafetensors(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[8,10]},)"
                                 R"("b":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}      )",
                                 std::string("\x01\x02\x03\x04....\x05\x06", 10)));
  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file.value()->tensors()[0].name, "b");
  EXPECT_EQ(bytesAt(*file.value(), *file.value()->find("a")), (std::vector<uint8_t>{5, 6}));
}

TEST(SafetensorsRoundTrip, OverwriteReplacesTheWholeFile) {
  test::TempDir dir("st-overwrite");
  const std::string path = (dir / "w.safetensors").string();
  ASSERT_TRUE(
      writeSafetensors(path, {makeTensor("big", DType::U8, {64}, std::vector<uint8_t>(64, 7))})
          .ok());
  ASSERT_TRUE(writeSafetensors(path, {makeTensor("small", DType::U8, {1}, {9})}).ok());
  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file.value()->find("big"), nullptr);
  EXPECT_EQ(bytesAt(*file.value(), *file.value()->find("small")), (std::vector<uint8_t>{9}));
  EXPECT_TRUE(test::tempLeftovers(dir.path()).empty());
}

TEST(SafetensorsWriter, FileSystemFailuresAreIoErrorsNamingThePath) {
  test::TempDir dir("st-writer-io");
  const auto tensor = makeTensor("w", DType::U8, {1}, {1});
  const std::string noFolder = (dir / "absent" / "w.safetensors").string();
  Status missingFolder = writeSafetensors(noFolder, {tensor});
  ASSERT_FALSE(missingFolder.ok());
  EXPECT_TRUE(test::isErrorNaming(missingFolder.error(), ErrorKind::Io, noFolder,
                                  {"No such file or directory"}));

  test::writeBytes(dir / "plain", "x");
  const std::string underFile = (dir / "plain" / "w.safetensors").string();
  Status notAFolder = writeSafetensors(underFile, {tensor});
  ASSERT_FALSE(notAFolder.ok());
  EXPECT_TRUE(
      test::isErrorNaming(notAFolder.error(), ErrorKind::Io, underFile, {"Not a directory"}));

  // The target is a folder: rename fails, and the temporary file is removed.
  std::filesystem::create_directories(dir / "taken" / "inner");
  const std::string folderTarget = (dir / "taken").string();
  Status renameFails = writeSafetensors(folderTarget, {tensor});
  ASSERT_FALSE(renameFails.ok());
  EXPECT_TRUE(test::isErrorNaming(renameFails.error(), ErrorKind::Io, folderTarget, {}));
  EXPECT_TRUE(test::tempLeftovers(dir.path()).empty());
}

TEST(SafetensorsWriter, InconsistentTensorsAreRejectedBeforeWriting) {
  test::TempDir dir("st-writer-bad");
  const std::string path = (dir / "bad.safetensors").string();
  Status wrongSize = writeSafetensors(path, {makeTensor("w", DType::F32, {2}, {1, 2, 3})});
  ASSERT_FALSE(wrongSize.ok());
  EXPECT_TRUE(test::isErrorNaming(wrongSize.error(), ErrorKind::BadRequest, path,
                                  {"3 bytes", "need 8", "'w'"}));
  Status duplicate = writeSafetensors(
      path, {makeTensor("w", DType::U8, {1}, {1}), makeTensor("w", DType::U8, {1}, {2})});
  ASSERT_FALSE(duplicate.ok());
  EXPECT_TRUE(test::isErrorNaming(duplicate.error(), ErrorKind::BadRequest, path, {"duplicate"}));
  Status negative = writeSafetensors(path, {makeTensor("w", DType::U8, {-1}, {})});
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().kind, ErrorKind::BadRequest);
  Status reserved = writeSafetensors(path, {makeTensor("__metadata__", DType::U8, {1}, {1})});
  EXPECT_FALSE(reserved.ok());
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(test::tempLeftovers(dir.path()).empty());
}

TEST(SafetensorsOpen, MissingFileIsModelMissingAndFolderIsInvalid) {
  test::TempDir dir("st-missing");
  const std::string absent = (dir / "absent.safetensors").string();
  auto missing = SafetensorsFile::open(absent);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(test::isErrorNaming(missing.error(), ErrorKind::ModelMissing, absent, {"not found"}));
  auto folder = SafetensorsFile::open(dir.path().string());
  ASSERT_FALSE(folder.ok());
  EXPECT_TRUE(test::isErrorNaming(folder.error(), ErrorKind::ModelInvalid, dir.path().string(),
                                  {"not a regular file"}));
}

}  // namespace
}  // namespace fd
