// Hostile GGUF headers: random mutations of a valid small file must never
// crash, allocate a claimed size or read out of bounds; each parse either
// succeeds with every tensor inside the file or fails with ModelInvalid
// naming the file.

#include <gtest/gtest.h>

#include <random>

#include "support/test_paths.h"
#include "weights/gguf_file.h"
#include "weights/gguf_header.h"
#include "weights/gguf_writer.h"
#include "weights_test_util.h"

namespace fd {
namespace {

std::string validSmallFile(const test::TempDir& dir) {
  const std::string path = (dir / "seed.gguf").string();
  const std::vector<GgufTensorLayout> layout = {{"w", DType::F32, {2, 3}},
                                                {"q", DType::Q8_0, {2, 32}},
                                                {"k", DType::Q4_K, {256}},
                                                {"b", DType::BF16, {3}},
                                                {"e", DType::F16, {0}}};
  Status written = writeGgufStreaming(path,
                                      {{"general.architecture", std::string("flux")},
                                       {"general.alignment", uint32_t{16}},
                                       {"n", int32_t{-3}},
                                       {"tokens", std::vector<std::string>{"a", "bc"}}},
                                      layout, [&](size_t i, std::vector<uint8_t>& bytes) {
                                        int64_t numel = 1;
                                        for (int64_t dim : layout[i].shape) numel *= dim;
                                        bytes.assign(*storageBytes(layout[i].dtype, numel),
                                                     static_cast<uint8_t>(i + 1));
                                        return Status::success();
                                      });
  if (!written.ok()) ADD_FAILURE() << written.error().message;
  return test::readBytes(path);
}

// Values that sit on the edges of the checks (counts, lengths, dims, types,
// offsets), written over an 8- or 4-byte field.
const uint64_t kHostile[] = {0,          1,     2,          3,          4,          5,
                             9,          12,    13,         16,         31,         32,
                             255,        256,   4096,       1ull << 31, 1ull << 32, 1ull << 62,
                             1ull << 63, ~0ull, ~0ull - 31, ~0ull >> 1};

std::string mutate(std::string bytes, std::mt19937& random) {
  auto pick = [&](size_t n) { return n ? static_cast<size_t>(random() % n) : 0; };
  // Most fields live in the header (the first ~250 bytes).
  auto headerPos = [&] { return pick(std::min<size_t>(bytes.size(), 260)); };
  const int mutations = 1 + static_cast<int>(random() % 3);
  for (int m = 0; m < mutations && !bytes.empty(); ++m) {
    switch (random() % 7) {
      case 0:  // any header byte to any value
        bytes[headerPos()] = static_cast<char>(random());
        break;
      case 1:  // flip one bit anywhere
        bytes[pick(bytes.size())] ^= static_cast<char>(1 << pick(8));
        break;
      case 2:  // truncate
        bytes.resize(pick(bytes.size() + 1));
        break;
      case 3:  // insert or delete a few header bytes
        if (random() % 2) {
          bytes.insert(headerPos(), std::string(1 + pick(8), static_cast<char>(random())));
        } else {
          bytes.erase(headerPos(), 1 + pick(8));
        }
        break;
      case 4:
      case 5: {  // an edge-case number over a 4- or 8-byte field
        const uint64_t value = kHostile[pick(sizeof kHostile / sizeof kHostile[0])];
        const size_t width = random() % 2 ? 8 : 4;
        const size_t at = headerPos();
        for (size_t i = 0; i < width && at + i < bytes.size(); ++i)
          bytes[at + i] = static_cast<char>((value >> (8 * i)) & 0xFF);
        break;
      }
      case 6:  // a small delta on one byte (lengths, counts, types off by one)
        bytes[headerPos()] += static_cast<char>(random() % 2 ? 1 : -1);
        break;
    }
  }
  return bytes;
}

TEST(GgufFuzz, RandomMutationsNeverCrashOrEscapeTheFile) {
  test::TempDir dir("gguf-fuzz");
  const std::string seed = validSmallFile(dir);
  ASSERT_FALSE(seed.empty());
  ASSERT_TRUE(
      parseGgufHeader("seed", reinterpret_cast<const uint8_t*>(seed.data()), seed.size()).ok());
  std::mt19937 random(20250101);  // fixed: failures reproduce
  int opened = 0, rejected = 0;
  for (int iteration = 0; iteration < 100000; ++iteration) {
    const std::string bytes = mutate(seed, random);
    // An exact-size copy on the heap, so that a read past the end is caught.
    const std::vector<uint8_t> copy(bytes.begin(), bytes.end());
    const std::string path = "fuzz-" + std::to_string(iteration);
    auto header = parseGgufHeader(path, copy.data(), copy.size());
    if (!header.ok()) {
      ++rejected;
      ASSERT_EQ(header.error().kind, ErrorKind::ModelInvalid)
          << "iteration " << iteration << ": " << header.error().message;
      ASSERT_EQ(header.error().message.rfind(path + ": ", 0), 0u) << header.error().message;
      continue;
    }
    ++opened;
    const GgufHeader& h = header.value();
    ASSERT_LE(h.dataStart, copy.size());
    uint64_t checksum = 0;
    for (const auto& info : h.tensors) {
      ASSERT_LE(info.begin, info.end);
      ASSERT_LE(info.end, copy.size() - h.dataStart) << "iteration " << iteration;
      ASSERT_EQ(info.byteSize(), storageBytes(info.dtype, info.numel()).value_or(~0ull));
      for (uint64_t i = info.begin; i < info.end; ++i) checksum += copy[h.dataStart + i];
    }
    (void)checksum;
  }
  // Both paths must have been exercised for the loop to mean anything.
  EXPECT_GT(opened, 1000);
  EXPECT_GT(rejected, 25000);
  RecordProperty("opened", opened);
  RecordProperty("rejected", rejected);
}

// The same through the memory map, fewer times (each is a file on disk).
TEST(GgufFuzz, MutatedFilesOnDiskOpenOrFailCleanly) {
  test::TempDir dir("gguf-fuzz-files");
  const std::string seed = validSmallFile(dir);
  std::mt19937 random(777);
  for (int iteration = 0; iteration < 1000; ++iteration) {
    const std::string bytes = mutate(seed, random);
    // A new name each time: truncating a file in place makes ext4 flush it.
    const std::string path = (dir / ("fuzz-" + std::to_string(iteration))).string();
    test::writeBytes(path, bytes);
    auto file = GgufFile::open(path);
    std::filesystem::remove(path);
    if (!file.ok()) {
      ASSERT_EQ(file.error().kind, ErrorKind::ModelInvalid) << file.error().message;
      ASSERT_EQ(file.error().message.rfind(path + ": ", 0), 0u) << file.error().message;
      continue;
    }
    uint64_t checksum = 0;
    for (const auto& info : file.value()->tensors()) {
      const uint8_t* data = file.value()->data(info);
      ASSERT_NE(data, nullptr) << info.name;
      for (uint64_t i = 0; i < info.byteSize(); ++i) checksum += data[i];
    }
    (void)checksum;
  }
}

}  // namespace
}  // namespace fd
