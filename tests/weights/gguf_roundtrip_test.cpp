// GGUF writer -> reader: names, shapes (PyTorch order), storage types,
// bytes, metadata text, alignment, format dispatch and Checkpoint; the
// writer's refusals and its atomicity.

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "support/test_paths.h"
#include "weights/checkpoint.h"
#include "weights/gguf_file.h"
#include "weights/gguf_writer.h"
#include "weights_test_util.h"

namespace fd {
namespace {

struct TestTensor {
  GgufTensorLayout layout;
  std::vector<uint8_t> bytes;
};

// Random stored bytes of the right size for each layout (the reader does
// not interpret them, so any bytes make a valid file).
TestTensor makeTestTensor(const std::string& name, DType dtype, std::vector<int64_t> shape,
                          uint32_t seed) {
  TestTensor t{{name, dtype, std::move(shape)}, {}};
  int64_t numel = 1;
  for (int64_t dim : t.layout.shape) numel *= dim;
  t.bytes.resize(*storageBytes(dtype, numel));
  std::mt19937 random(seed);
  for (auto& b : t.bytes) b = static_cast<uint8_t>(random());
  return t;
}

std::vector<TestTensor> sampleTensors() {
  return {makeTestTensor("blocks.0.weight", DType::Q8_0, {2, 64}, 1),
          makeTestTensor("blocks.0.bias", DType::F32, {3}, 2),
          makeTestTensor("norm.scale", DType::F16, {2, 3}, 3),
          makeTestTensor("k.weight", DType::Q4_K, {1, 2, 256}, 4),
          makeTestTensor("bf", DType::BF16, {5}, 5),
          makeTestTensor("ids", DType::I32, {2, 1, 1, 3}, 6),
          makeTestTensor("empty", DType::F32, {0, 4}, 7),
          makeTestTensor("q6", DType::Q6_K, {256}, 8)};
}

Status writeTensors(const std::string& path, const std::vector<TestTensor>& tensors,
                    const std::vector<GgufMetadataEntry>& metadata) {
  std::vector<GgufTensorLayout> layout;
  for (const auto& t : tensors) layout.push_back(t.layout);
  return writeGgufStreaming(path, metadata, layout, [&](size_t i, std::vector<uint8_t>& bytes) {
    bytes = tensors[i].bytes;
    return Status::success();
  });
}

std::vector<uint8_t> bytesAt(const TensorFile& file, const TensorInfo& info) {
  const uint8_t* data = file.data(info);
  if (!data) return {};
  return std::vector<uint8_t>(data, data + info.byteSize());
}

void expectSameTensors(const TensorFile& file, const std::vector<TestTensor>& tensors) {
  ASSERT_EQ(file.tensors().size(), tensors.size());
  for (const auto& t : tensors) {
    const TensorInfo* info = file.find(t.layout.name);
    ASSERT_NE(info, nullptr) << t.layout.name;
    EXPECT_EQ(info->dtype, t.layout.dtype) << t.layout.name;
    EXPECT_EQ(info->shape, t.layout.shape) << t.layout.name;
    EXPECT_EQ(info->byteSize(), t.bytes.size()) << t.layout.name;
    EXPECT_EQ(bytesAt(file, *info), t.bytes) << t.layout.name;
  }
  for (size_t i = 1; i < file.tensors().size(); ++i)
    EXPECT_LE(file.tensors()[i - 1].begin, file.tensors()[i].begin);
}

TEST(GgufRoundTrip, TensorsAndMetadataComeBackAsWritten) {
  test::TempDir dir("gguf-roundtrip");
  const std::string path = (dir / "model.gguf").string();
  const auto tensors = sampleTensors();
  const std::vector<GgufMetadataEntry> metadata = {
      {"general.architecture", std::string("flux")},
      {"general.file_type", uint32_t{7}},
      {"test.i32", int32_t{-12}},
      {"test.f32", 0.25f},
      {"test.bool", true},
      {"test.u64", uint64_t{1} << 40},
      {"tokenizer.tokens", std::vector<std::string>{"a", "bb", "ccc"}},
  };
  ASSERT_TRUE(writeTensors(path, tensors, metadata).ok());
  EXPECT_TRUE(test::tempLeftovers(dir.path()).empty());

  auto file = GgufFile::open(path);
  ASSERT_TRUE(file.ok()) << file.error().message;
  const GgufFile& gguf = *file.value();
  EXPECT_EQ(gguf.format(), TensorFileFormat::Gguf);
  EXPECT_EQ(gguf.path(), path);
  EXPECT_EQ(gguf.version(), 3u);
  EXPECT_EQ(gguf.alignment(), 32u);
  EXPECT_EQ(gguf.architecture(), "flux");
  EXPECT_EQ(gguf.fileSize(), std::filesystem::file_size(path));
  expectSameTensors(gguf, tensors);
  for (const auto& info : gguf.tensors()) EXPECT_EQ(info.begin % 32, 0u) << info.name;
  // Written in the given order, so the sorted order is the same.
  for (size_t i = 0; i < tensors.size(); ++i)
    EXPECT_EQ(gguf.tensors()[i].name, tensors[i].layout.name);

  const std::map<std::string, std::string> expected = {{"general.architecture", "flux"},
                                                       {"general.file_type", "7"},
                                                       {"test.i32", "-12"},
                                                       {"test.f32", "0.25"},
                                                       {"test.bool", "true"},
                                                       {"test.u64", "1099511627776"},
                                                       {"tokenizer.tokens", "[3 x string]"}};
  EXPECT_EQ(gguf.metadata(), expected);

  // Dropping the pages loses nothing: they come back from the file.
  gguf.releasePages();
  expectSameTensors(gguf, tensors);
}

TEST(GgufRoundTrip, CustomAlignmentPlacesEveryTensorOnIt) {
  test::TempDir dir("gguf-align");
  const auto tensors = sampleTensors();
  for (uint32_t alignment : {1u, 8u, 64u, 4096u}) {
    const std::string path = (dir / ("a" + std::to_string(alignment) + ".gguf")).string();
    ASSERT_TRUE(writeTensors(path, tensors, {{"general.alignment", alignment}}).ok());
    auto file = GgufFile::open(path);
    ASSERT_TRUE(file.ok()) << file.error().message;
    EXPECT_EQ(file.value()->alignment(), alignment);
    EXPECT_EQ(file.value()->metadata().at("general.alignment"), std::to_string(alignment));
    expectSameTensors(*file.value(), tensors);
    // ggml's own reader wants exactly its layout: each tensor right after
    // the previous one padded to the alignment, the last one padded too, and
    // the data section at the end of the header padded to the alignment.
    uint64_t offset = 0;
    for (const auto& info : file.value()->tensors()) {
      EXPECT_EQ(info.begin, offset) << info.name;
      offset += (info.byteSize() + alignment - 1) / alignment * alignment;
    }
    const uint64_t dataStart = file.value()->fileSize() - offset;
    EXPECT_EQ(dataStart % alignment, 0u);
    const std::string bytes = test::readBytes(path);
    for (const auto& t : tensors) {
      const TensorInfo* info = file.value()->find(t.layout.name);
      EXPECT_EQ(bytes.substr(dataStart + info->begin, info->byteSize()),
                std::string(t.bytes.begin(), t.bytes.end()))
          << t.layout.name;
    }
  }
}

TEST(GgufRoundTrip, ScalarsAreWrittenAsOneValue) {
  test::TempDir dir("gguf-scalar");
  const std::string path = (dir / "scalar.gguf").string();
  const std::vector<TestTensor> tensors = {makeTestTensor("scale", DType::F32, {}, 9)};
  ASSERT_TRUE(writeTensors(path, tensors, {}).ok());
  auto file = GgufFile::open(path);
  ASSERT_TRUE(file.ok()) << file.error().message;
  // GGUF has no 0-dimensional tensors: ggml writes a scalar as ne [1] too.
  const TensorInfo* info = file.value()->find("scale");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->shape, std::vector<int64_t>{1});
  EXPECT_EQ(bytesAt(*file.value(), *info), tensors[0].bytes);
}

TEST(GgufRoundTrip, EmptyFileWithOnlyMetadata) {
  test::TempDir dir("gguf-empty");
  const std::string path = (dir / "meta.gguf").string();
  ASSERT_TRUE(writeTensors(path, {}, {{"general.name", std::string("nothing")}}).ok());
  auto file = GgufFile::open(path);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_TRUE(file.value()->tensors().empty());
  EXPECT_EQ(file.value()->metadata().at("general.name"), "nothing");
}

TEST(GgufRoundTrip, VersionTwoFilesAreRead) {
  test::TempDir dir("gguf-v2");
  const std::string path = (dir / "v2.gguf").string();
  const auto tensors = sampleTensors();
  ASSERT_TRUE(writeTensors(path, tensors, {}).ok());
  std::string bytes = test::readBytes(path);
  ASSERT_EQ(bytes[4], 3);
  bytes[4] = 2;  // v2 and v3 share the layout (v3 only allowed big-endian files)
  test::writeBytes(path, bytes);
  auto file = GgufFile::open(path);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file.value()->version(), 2u);
  expectSameTensors(*file.value(), tensors);
}

TEST(GgufRoundTrip, OpenTensorFileTellsFormatsApartByMagic) {
  test::TempDir dir("gguf-dispatch");
  const auto tensors = sampleTensors();
  // The name does not decide: a GGUF file named .safetensors is still GGUF.
  for (const std::string name : {"w.gguf", "w.safetensors"}) {
    const std::string path = (dir / name).string();
    ASSERT_TRUE(writeTensors(path, tensors, {}).ok());
    auto file = openTensorFile(path);
    ASSERT_TRUE(file.ok()) << file.error().message;
    EXPECT_EQ(file.value()->format(), TensorFileFormat::Gguf);
    EXPECT_STREQ(tensorFileFormatName(file.value()->format()), "gguf");
    expectSameTensors(*file.value(), tensors);
  }
  const std::string st = (dir / "st.safetensors").string();
  ASSERT_TRUE(writeSafetensors(st, {test::makeTensor("w", DType::U8, {1}, {1})}).ok());
  auto safetensors = openTensorFile(st);
  ASSERT_TRUE(safetensors.ok()) << safetensors.error().message;
  EXPECT_EQ(safetensors.value()->format(), TensorFileFormat::Safetensors);

  // A malformed GGUF file reports GGUF's own error, not safetensors'.
  const std::string broken = (dir / "broken.gguf").string();
  test::writeBytes(broken, std::string("GGUF\x01\0\0\0", 8));
  auto refused = openTensorFile(broken);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(test::isErrorNaming(refused.error(), ErrorKind::ModelInvalid, broken, {"version 1"}));
}

TEST(GgufRoundTrip, CheckpointOpensGgufFiles) {
  test::TempDir dir("gguf-checkpoint");
  const std::string path = (dir / "flux1-dev-Q8_0.gguf").string();
  const auto tensors = sampleTensors();
  ASSERT_TRUE(writeTensors(path, tensors, {{"general.architecture", std::string("flux")}}).ok());
  auto checkpoint = Checkpoint::open(path);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().message;
  EXPECT_EQ(checkpoint.value().files(), std::vector<std::string>{path});
  uint64_t total = 0;
  for (const auto& t : tensors) {
    const CheckpointEntry* entry = checkpoint.value().find(t.layout.name);
    ASSERT_NE(entry, nullptr) << t.layout.name;
    EXPECT_EQ(entry->file->format(), TensorFileFormat::Gguf);
    EXPECT_EQ(entry->info->shape, t.layout.shape);
    EXPECT_EQ(bytesAt(*entry->file, *entry->info), t.bytes);
    total += t.bytes.size();
  }
  EXPECT_EQ(checkpoint.value().totalBytes(), total);
  checkpoint.value().releasePages();
}

Status fillZeros(size_t, std::vector<uint8_t>&) { return Status::success(); }

TEST(GgufWriter, InconsistentLayoutsAreRejectedBeforeWriting) {
  test::TempDir dir("gguf-writer-bad");
  const std::string path = (dir / "bad.gguf").string();
  auto expectRefused = [&](const std::vector<GgufMetadataEntry>& metadata,
                           const std::vector<GgufTensorLayout>& layout,
                           const std::vector<std::string>& parts) {
    Status status = writeGgufStreaming(path, metadata, layout, fillZeros);
    ASSERT_FALSE(status.ok());
    EXPECT_TRUE(test::isErrorNaming(status.error(), ErrorKind::BadRequest, path, parts));
  };
  expectRefused({}, {{"u", DType::U8, {4}}}, {"'u'", "ggml"});
  expectRefused({}, {{"f8", DType::F8_E4M3, {4}}}, {"'f8'"});
  expectRefused({}, {{"q", DType::Q8_0, {2, 33}}}, {"'q'", "block size 32"});
  expectRefused({}, {{"k", DType::Q4_K, {128}}}, {"'k'", "256"});
  expectRefused({}, {{"five", DType::F32, {1, 1, 1, 1, 1}}}, {"'five'", "dimensions"});
  expectRefused({}, {{"neg", DType::F32, {-1}}}, {"'neg'", "negative"});
  expectRefused({}, {{"huge", DType::F32, {int64_t{1} << 40, int64_t{1} << 40}}}, {"'huge'"});
  expectRefused({}, {{"d", DType::F32, {1}}, {"d", DType::F32, {2}}}, {"duplicate", "'d'"});
  expectRefused({}, {{"", DType::F32, {1}}}, {"name"});
  expectRefused({{"general.alignment", uint32_t{3}}}, {}, {"alignment"});
  expectRefused({{"general.alignment", uint32_t{0}}}, {}, {"alignment"});
  expectRefused({{"general.alignment", uint64_t{32}}}, {}, {"alignment", "uint32"});
  expectRefused({{"a", true}, {"a", false}}, {}, {"duplicate", "'a'"});
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(test::tempLeftovers(dir.path()).empty());
}

TEST(GgufWriter, WrongFillSizeAndFillerErrorsLeaveNoFile) {
  test::TempDir dir("gguf-writer-fill");
  const std::string path = (dir / "fill.gguf").string();
  const std::vector<GgufTensorLayout> layout = {{"a", DType::F32, {2}}, {"b", DType::Q8_0, {32}}};
  Status wrongSize =
      writeGgufStreaming(path, {}, layout, [](size_t i, std::vector<uint8_t>& bytes) {
        bytes.assign(i == 0 ? 8 : 33, 0);  // q8_0 of 32 values takes 34 bytes
        return Status::success();
      });
  ASSERT_FALSE(wrongSize.ok());
  EXPECT_TRUE(test::isErrorNaming(wrongSize.error(), ErrorKind::BadRequest, path,
                                  {"'b'", "33 bytes", "need 34"}));

  Status fillerFails = writeGgufStreaming(path, {}, layout, [](size_t, std::vector<uint8_t>&) {
    return Status(makeError(ErrorKind::Cancelled, "stopped by the test"));
  });
  ASSERT_FALSE(fillerFails.ok());
  EXPECT_EQ(fillerFails.error().kind, ErrorKind::Cancelled);
  EXPECT_EQ(fillerFails.error().message, "stopped by the test");
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(test::tempLeftovers(dir.path()).empty());
}

TEST(GgufWriter, FailedWriteKeepsTheOldFile) {
  test::TempDir dir("gguf-writer-keep");
  const std::string path = (dir / "keep.gguf").string();
  const auto tensors = sampleTensors();
  ASSERT_TRUE(writeTensors(path, tensors, {}).ok());
  const std::string before = test::readBytes(path);
  Status failed =
      writeGgufStreaming(path, {}, {{"x", DType::F32, {1}}}, [](size_t, std::vector<uint8_t>&) {
        return Status(makeError(ErrorKind::Internal, "no bytes"));
      });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(test::readBytes(path), before);
  EXPECT_TRUE(test::tempLeftovers(dir.path()).empty());
}

TEST(GgufWriter, FileSystemFailuresAreIoErrorsNamingThePath) {
  test::TempDir dir("gguf-writer-io");
  const std::vector<GgufTensorLayout> layout = {{"w", DType::F32, {1}}};
  auto fill = [](size_t, std::vector<uint8_t>& bytes) {
    bytes.assign(4, 0);
    return Status::success();
  };
  const std::string noFolder = (dir / "absent" / "w.gguf").string();
  Status missingFolder = writeGgufStreaming(noFolder, {}, layout, fill);
  ASSERT_FALSE(missingFolder.ok());
  EXPECT_TRUE(test::isErrorNaming(missingFolder.error(), ErrorKind::Io, noFolder,
                                  {"No such file or directory"}));
  // The target is a folder: rename fails, and the temporary file is removed.
  std::filesystem::create_directories(dir / "taken" / "inner");
  const std::string folderTarget = (dir / "taken").string();
  Status renameFails = writeGgufStreaming(folderTarget, {}, layout, fill);
  ASSERT_FALSE(renameFails.ok());
  EXPECT_TRUE(test::isErrorNaming(renameFails.error(), ErrorKind::Io, folderTarget, {}));
  EXPECT_TRUE(test::tempLeftovers(dir.path()).empty());
}

}  // namespace
}  // namespace fd
