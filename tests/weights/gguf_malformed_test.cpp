// Malformed GGUF files, byte by byte: each must be refused with a
// ModelInvalid error that names the file and the problem (and the key or
// tensor), never crash, read out of bounds or allocate a claimed size.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>

#include "gguf_test_bytes.h"
#include "support/test_paths.h"
#include "weights/gguf_file.h"
#include "weights/gguf_header.h"
#include "weights_test_util.h"

namespace fd {
namespace {

using test::GgufBytes;

constexpr uint32_t kF32 = 0, kF16 = 1, kQ8_0 = 8, kIq2Xxs = 16;
const std::string kPath = "/models/x.gguf";

Result<GgufHeader> parse(const std::string& bytes) {
  return parseGgufHeader(kPath, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

// Parses and expects a ModelInvalid error naming kPath and each of `parts`.
::testing::AssertionResult refused(const std::string& bytes,
                                   const std::vector<std::string>& parts) {
  auto header = parse(bytes);
  if (header.ok()) return ::testing::AssertionFailure() << "parsed without error";
  return test::isErrorNaming(header.error(), ErrorKind::ModelInvalid, kPath, parts);
}

// A small valid file: two metadata entries, an f32 [2, 3] ("w", ne 3 x 2)
// and an f16 [4] ("b") tensor. No padding after the last tensor, so that
// every shorter prefix is a truncated file.
std::string smallValidFile() {
  return GgufBytes()
      .preamble(2, 2)
      .kvStr("general.architecture", "flux")
      .kvU32("general.file_type", 1)
      .tensor("w", {3, 2}, kF32, 0)
      .tensor("b", {4}, kF16, 32)
      .pad()
      .fill(24)
      .pad()
      .fill(8)
      .bytes();
}

// One tensor `t` (f32, ne {ne0}) at `offset` after the given metadata.
std::string oneTensor(const std::vector<uint64_t>& ne, uint32_t type = kF32, uint64_t offset = 0,
                      uint64_t dataBytes = 64) {
  return GgufBytes().preamble(1, 0).tensor("t", ne, type, offset).pad().fill(dataBytes).bytes();
}

TEST(GgufMalformed, TheSmallFileIsValid) {
  auto header = parse(smallValidFile());
  ASSERT_TRUE(header.ok()) << header.error().message;
  const auto& tensors = header.value().tensors;
  ASSERT_EQ(tensors.size(), 2u);
  EXPECT_EQ(tensors[0].name, "w");
  EXPECT_EQ(tensors[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(tensors[0].dtype, DType::F32);
  EXPECT_EQ(tensors[0].byteSize(), 24u);
  EXPECT_EQ(tensors[1].name, "b");
  EXPECT_EQ(tensors[1].shape, (std::vector<int64_t>{4}));
  EXPECT_EQ(tensors[1].begin, 32u);
  EXPECT_EQ(header.value().dataStart % 32, 0u);
  EXPECT_EQ(header.value().metadata.at("general.file_type"), "1");
}

TEST(GgufMalformed, TruncatedAtEveryByteIsACleanError) {
  const std::string full = smallValidFile();
  for (size_t size = 0; size < full.size(); ++size) {
    // A separate copy of exactly `size` bytes, so that a read past it is
    // caught by the sanitizers / the allocator rather than hidden.
    const std::string prefix = full.substr(0, size);
    auto header = parse(prefix);
    ASSERT_FALSE(header.ok()) << "prefix of " << size << " bytes parsed";
    ASSERT_TRUE(test::isErrorNaming(header.error(), ErrorKind::ModelInvalid, kPath, {}));
  }
}

TEST(GgufMalformed, TruncatedFilesOnDiskAreCleanErrors) {
  test::TempDir dir("gguf-truncated");
  const std::string full = smallValidFile();
  for (size_t size = 0; size < full.size(); size += 7) {
    const std::string path = (dir / ("t" + std::to_string(size) + ".gguf")).string();
    test::writeBytes(path, full.substr(0, size));
    auto file = GgufFile::open(path);
    ASSERT_FALSE(file.ok()) << size;
    EXPECT_TRUE(test::isErrorNaming(file.error(), ErrorKind::ModelInvalid, path, {})) << size;
  }
}

TEST(GgufMalformed, TruncationMessagesSayWhere) {
  const std::string full = smallValidFile();
  // Too short for the counts in the preamble, then cut inside a key and a tensor info.
  EXPECT_TRUE(refused(full.substr(0, 60), {"2 tensors", "60-byte file", "truncated"}));
  EXPECT_TRUE(refused(full.substr(0, 114), {"truncated", "tensor 'w'"}));
  EXPECT_TRUE(refused(full.substr(0, full.size() - 1), {"'b'", "past the end", "truncated"}));
}

TEST(GgufMalformed, MagicAndVersion) {
  EXPECT_TRUE(refused(GgufBytes().raw("GGML").u32(3).u64(0).u64(0).bytes(), {"not a GGUF file"}));
  EXPECT_TRUE(refused("", {"not a GGUF file"}));
  EXPECT_TRUE(refused(GgufBytes().preamble(0, 0, 1).bytes(), {"version 1", "32-bit"}));
  EXPECT_TRUE(refused(GgufBytes().preamble(0, 0, 99).bytes(), {"version 99", "2 and 3"}));
  EXPECT_TRUE(refused(GgufBytes().preamble(0, 0, 0).bytes(), {"version 0"}));
  EXPECT_TRUE(refused(GgufBytes().preamble(0, 0, 0x03000000).bytes(), {"big-endian"}));
  EXPECT_TRUE(parse(GgufBytes().preamble(0, 0, 2).bytes()).ok());
  EXPECT_TRUE(parse(GgufBytes().preamble(0, 0, 3).bytes()).ok());
}

TEST(GgufMalformed, HugeCountsAreRefusedWithoutAllocating) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(refused(GgufBytes().preamble(uint64_t{1} << 60, 0).fill(100).bytes(),
                      {"1152921504606846976 tensors"}));
  EXPECT_TRUE(refused(GgufBytes().preamble(0, uint64_t{1} << 60).fill(100).bytes(),
                      {"1152921504606846976 metadata entries"}));
  EXPECT_TRUE(refused(GgufBytes().preamble(~uint64_t{0}, ~uint64_t{0}).bytes(), {"tensors"}));
  // Counts that each fit but not together.
  EXPECT_TRUE(refused(GgufBytes().preamble(3, 3).fill(100).bytes(), {"metadata entries"}));
  // A string length and an array count that the file cannot hold.
  EXPECT_TRUE(refused(GgufBytes().preamble(0, 1).u64(uint64_t{1} << 62).fill(20).bytes(),
                      {"key", "over the limit"}));
  EXPECT_TRUE(
      refused(GgufBytes().preamble(0, 1).u64(1000).raw("k").fill(20).bytes(), {"truncated"}));
  EXPECT_TRUE(refused(GgufBytes().preamble(0, 1).str("k").u32(8).u64(uint64_t{1} << 40).bytes(),
                      {"'k'", "over the limit"}));
  EXPECT_TRUE(
      refused(GgufBytes().preamble(0, 1).str("k").u32(9).u32(0).u64(uint64_t{1} << 61).bytes(),
              {"'k'", "array of 2305843009213693952 u8"}));
  EXPECT_TRUE(refused(GgufBytes().preamble(0, 1).str("k").u32(9).u32(8).u64(1000).fill(64).bytes(),
                      {"'k'", "1000 string"}));
  EXPECT_TRUE(refused(GgufBytes().preamble(1, 0).u64(uint64_t{1} << 50).fill(40).bytes(),
                      {"tensor info 0", "over the limit"}));
  // Refused up front: far faster than touching the claimed sizes would be.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(GgufMalformed, NamesOverTheCapAreRefusedEvenWhenPresent) {
  const std::string longKey(kMaxGgufNameBytes + 1, 'k');
  EXPECT_TRUE(refused(GgufBytes().preamble(0, 1).kvU32(longKey, 1).bytes(), {"65536 bytes"}));
  const std::string longName(kMaxGgufNameBytes + 1, 't');
  EXPECT_TRUE(
      refused(GgufBytes().preamble(1, 0).tensor(longName, {4}, kF32, 0).pad().fill(16).bytes(),
              {"tensor info 0", "65536 bytes"}));
}

TEST(GgufMalformed, MetadataValueTypes) {
  EXPECT_TRUE(refused(GgufBytes().preamble(0, 1).str("odd").u32(13).fill(8).bytes(),
                      {"'odd'", "unknown value type 13"}));
  EXPECT_TRUE(refused(GgufBytes().preamble(0, 1).str("odd").u32(9).u32(77).u64(1).fill(8).bytes(),
                      {"'odd'", "unknown value type 77"}));
  // Every known type parses, with its text.
  GgufBytes bytes;
  bytes.preamble(0, 14);
  bytes.entry("u8", 0).u8(200);
  bytes.entry("i8", 1).u8(0xFF);
  bytes.entry("u16", 2).u8(0x34).u8(0x12);
  bytes.entry("i16", 3).u8(0xFE).u8(0xFF);
  bytes.entry("u32", 4).u32(4000000000u);
  bytes.entry("i32", 5).u32(0xFFFFFFF6u);
  bytes.entry("f32", 6).f32(1.5f);
  bytes.entry("bool", 7).u8(0);
  bytes.entry("string", 8).str("text");
  bytes.entry("u64", 10).u64(~uint64_t{0});
  bytes.entry("i64", 11).u64(~uint64_t{0});
  bytes.entry("f64", 12).u64(0x3FF8000000000000ull);  // 1.5
  bytes.entry("array", 9).u32(5).u64(3).u32(1).u32(2).u32(3);
  bytes.entry("strings", 9).u32(8).u64(2).str("secret").str("vocab");
  auto all = parse(bytes.bytes());
  ASSERT_TRUE(all.ok()) << all.error().message;
  const std::map<std::string, std::string> expected = {
      {"u8", "200"},          {"i8", "-1"},
      {"u16", "4660"},        {"i16", "-2"},
      {"u32", "4000000000"},  {"i32", "-10"},
      {"f32", "1.5"},         {"bool", "false"},
      {"string", "text"},     {"u64", "18446744073709551615"},
      {"i64", "-1"},          {"f64", "1.5"},
      {"array", "[3 x i32]"}, {"strings", "[2 x string]"}};
  EXPECT_EQ(all.value().metadata, expected);
}

// `depth` arrays nested inside each other, the innermost holding one u8.
std::string nestedArrays(int depth) {
  GgufBytes bytes;
  bytes.preamble(0, 1).str("nested").u32(9);
  for (int level = 1; level < depth; ++level) bytes.u32(9).u64(1);
  return bytes.u32(0).u64(1).u8(7).bytes();
}

TEST(GgufMalformed, NestedArraysAreCapped) {
  auto two = parse(nestedArrays(2));
  ASSERT_TRUE(two.ok()) << two.error().message;
  EXPECT_EQ(two.value().metadata.at("nested"), "[1 x array]");
  EXPECT_TRUE(parse(nestedArrays(kMaxGgufArrayDepth)).ok());
  EXPECT_TRUE(refused(nestedArrays(kMaxGgufArrayDepth + 1), {"'nested'", "nested deeper"}));
  EXPECT_TRUE(refused(nestedArrays(100000), {"'nested'", "nested deeper"}));
}

TEST(GgufMalformed, DuplicateKeysAndTensorNames) {
  EXPECT_TRUE(refused(GgufBytes().preamble(0, 2).kvU32("a", 1).kvU32("a", 2).bytes(),
                      {"duplicate", "'a'"}));
  EXPECT_TRUE(refused(GgufBytes()
                          .preamble(2, 0)
                          .tensor("t", {4}, kF32, 0)
                          .tensor("t", {4}, kF32, 32)
                          .pad()
                          .fill(64)
                          .bytes(),
                      {"duplicate", "'t'"}));
}

TEST(GgufMalformed, GgmlTypes) {
  EXPECT_TRUE(refused(oneTensor({4}, 1234), {"'t'", "unknown ggml type id 1234"}));
  EXPECT_TRUE(refused(oneTensor({256}, kIq2Xxs, 0, 1024),
                      {"tensor 't' has ggml type iq2_xxs, which FluxDesk cannot read"}));
  EXPECT_TRUE(refused(oneTensor({32}, 9), {"'t'", "q8_1"}));
  EXPECT_TRUE(parse(oneTensor({32}, kQ8_0)).ok());
}

TEST(GgufMalformed, DimensionsAndSizes) {
  EXPECT_TRUE(
      refused(GgufBytes().preamble(1, 0).str("t").u32(0).u32(kF32).u64(0).pad().fill(8).bytes(),
              {"'t'", "0 dimensions"}));
  EXPECT_TRUE(refused(oneTensor({1, 1, 1, 1, 1}), {"'t'", "5 dimensions"}));
  EXPECT_TRUE(parse(oneTensor({1, 1, 1, 1})).ok());
  EXPECT_TRUE(refused(oneTensor({uint64_t{1} << 32, uint64_t{1} << 32}), {"'t'", "64 bits"}));
  EXPECT_TRUE(refused(oneTensor({2, ~uint64_t{0} >> 1, 2}), {"'t'", "64 bits"}));
  EXPECT_TRUE(refused(oneTensor({4, ~uint64_t{0}}), {"'t'", "negative"}));
  // The element count fits in int64 but the f32 byte size does not.
  EXPECT_TRUE(refused(oneTensor({uint64_t{1} << 31, uint64_t{1} << 31}), {"'t'", "64 bits"}));
  EXPECT_TRUE(refused(oneTensor({33, 2}, kQ8_0), {"'t'", "33 values", "block size 32"}));
  EXPECT_TRUE(refused(oneTensor({128}, 12), {"'t'", "block size 256"}));
  // Zero elements are fine, wherever they sit in the shape.
  auto empty = parse(oneTensor({0, 4}, kQ8_0, 0, 0));
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_EQ(empty.value().tensors[0].shape, (std::vector<int64_t>{4, 0}));
  EXPECT_EQ(empty.value().tensors[0].byteSize(), 0u);
}

TEST(GgufMalformed, OffsetsAndRanges) {
  EXPECT_TRUE(refused(oneTensor({4}, kF32, 64, 64), {"'t'", "past the end"}));
  EXPECT_TRUE(refused(oneTensor({4}, kF32, ~uint64_t{0} - 31, 64), {"'t'"}));
  EXPECT_TRUE(refused(oneTensor({4}, kF32, 4, 64), {"'t'", "offset 4", "alignment 32"}));
  EXPECT_TRUE(refused(oneTensor({16}, kF32, 0, 63), {"'t'", "past the end", "63 bytes"}));
  EXPECT_TRUE(parse(oneTensor({16}, kF32, 0, 64)).ok());
  // 48 bytes at 0 overlap 16 bytes at 32; the order in the header does not matter.
  const std::string overlapping = GgufBytes()
                                      .preamble(2, 0)
                                      .tensor("late", {4}, kF32, 32)
                                      .tensor("early", {12}, kF32, 0)
                                      .pad()
                                      .fill(64)
                                      .bytes();
  EXPECT_TRUE(refused(overlapping, {"'early'", "'late'", "overlap"}));
  // A tensor inside another one that spans it.
  EXPECT_TRUE(refused(GgufBytes()
                          .preamble(3, 0)
                          .tensor("big", {32}, kF32, 0)
                          .tensor("small", {4}, kF32, 32)
                          .tensor("after", {4}, kF32, 96)
                          .pad()
                          .fill(128)
                          .bytes(),
                      {"'big'", "'small'", "overlap"}));
  // Shared offsets of empty tensors are no overlap; tensors come back sorted.
  auto sorted = parse(GgufBytes()
                          .preamble(3, 0)
                          .tensor("second", {4}, kF32, 32)
                          .tensor("first", {4}, kF32, 0)
                          .tensor("none", {0}, kF32, 0)
                          .pad()
                          .fill(64)
                          .bytes());
  ASSERT_TRUE(sorted.ok()) << sorted.error().message;
  EXPECT_EQ(sorted.value().tensors[2].name, "second");
}

TEST(GgufMalformed, Alignment) {
  auto withAlignment = [](uint32_t type, uint64_t value) {
    GgufBytes bytes;
    bytes.preamble(1, 1).str("general.alignment").u32(type);
    if (type == 10) {
      bytes.u64(value);
    } else {
      bytes.u32(static_cast<uint32_t>(value));
    }
    return bytes.tensor("t", {4}, kF32, 0).pad(256).fill(16).bytes();
  };
  EXPECT_TRUE(refused(withAlignment(4, 0), {"alignment 0", "power of two"}));
  EXPECT_TRUE(refused(withAlignment(4, 3), {"alignment 3", "power of two"}));
  EXPECT_TRUE(refused(withAlignment(10, 32), {"general.alignment", "u32", "u64"}));
  auto ok = parse(withAlignment(4, 256));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok.value().alignment, 256u);
  EXPECT_EQ(ok.value().dataStart % 256, 0u);
  // The data section must start on the alignment: a huge one puts it past the end.
  EXPECT_TRUE(refused(withAlignment(4, 1u << 30), {"'t'", "past the end"}));
}

TEST(GgufMalformed, NotRegularOrMissingFiles) {
  test::TempDir dir("gguf-special");
  const std::string absent = (dir / "absent.gguf").string();
  auto missing = GgufFile::open(absent);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(test::isErrorNaming(missing.error(), ErrorKind::ModelMissing, absent, {"not found"}));

  const std::string fifo = (dir / "fifo.gguf").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto pipe = GgufFile::open(fifo);  // must not block waiting for a writer
  ASSERT_FALSE(pipe.ok());
  EXPECT_TRUE(
      test::isErrorNaming(pipe.error(), ErrorKind::ModelInvalid, fifo, {"not a regular file"}));
  auto viaDispatch = openTensorFile(fifo);
  EXPECT_FALSE(viaDispatch.ok());

  auto folder = GgufFile::open(dir.path().string());
  ASSERT_FALSE(folder.ok());
  EXPECT_TRUE(test::isErrorNaming(folder.error(), ErrorKind::ModelInvalid, dir.path().string(),
                                  {"not a regular file"}));

  const std::string empty = (dir / "empty.gguf").string();
  test::writeBytes(empty, "");
  auto nothing = GgufFile::open(empty);
  ASSERT_FALSE(nothing.ok());
  EXPECT_TRUE(test::isErrorNaming(nothing.error(), ErrorKind::ModelInvalid, empty, {"empty"}));
}

}  // namespace
}  // namespace fd
