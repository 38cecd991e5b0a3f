// Hostile headers: random mutations of a valid small file must never crash
// or read out of bounds; each open() either succeeds with tensors inside
// the file or fails with ModelInvalid naming the file.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>

#include "support/test_paths.h"
#include "weights/safetensors_file.h"
#include "weights_test_util.h"

namespace fd {
namespace {

std::string validSmallFile(const test::TempDir& dir) {
  using test::bytesOf;
  using test::makeTensor;
  const std::string path = (dir / "seed.safetensors").string();
  Status written = writeSafetensors(
      path,
      {makeTensor("w", DType::F32, {2, 3}, bytesOf<float>({1, 2, 3, 4, 5, 6})),
       makeTensor("b", DType::BF16, {3}, bytesOf<uint16_t>({0x3F80, 0x4000, 0x4040})),
       makeTensor("ids", DType::I64, {2}, bytesOf<int64_t>({7, 9})),
       makeTensor("e", DType::F8_E4M3, {0}, {})},
      {{"format", "pt"}});
  if (!written.ok()) ADD_FAILURE() << written.error().message;
  return test::readBytes(path);
}

// Characters that turn valid JSON into almost-valid JSON.
const char kJsonish[] = "0123456789-+.eE[]{}\":, \\tfnu";

// Replaces one run of digits in the header with an edge-case number.
void replaceNumber(std::string& bytes, std::mt19937& random) {
  static const char* const kNumbers[] = {"0",
                                         "-1",
                                         "1.5",
                                         "1e309",
                                         "2",
                                         "17",
                                         "4294967296",
                                         "9223372036854775807",
                                         "18446744073709551615",
                                         "-9223372036854775808",
                                         "99999999999999999999999"};
  const size_t end = std::min<size_t>(bytes.size(), 200);
  if (end <= 8) return;
  size_t at = 8 + static_cast<size_t>(random() % (end - 8));
  while (at < end && !std::isdigit(static_cast<unsigned char>(bytes[at]))) ++at;
  if (at == end) return;
  size_t stop = at;
  while (stop < bytes.size() && std::isdigit(static_cast<unsigned char>(bytes[stop]))) ++stop;
  const std::string number = kNumbers[random() % (sizeof(kNumbers) / sizeof(kNumbers[0]))];
  bytes.replace(at, stop - at, number);
  // Keep the header length in step so the JSON stays whole.
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = length << 8 | static_cast<uint8_t>(bytes[i]);
  length += number.size() - (stop - at);
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((length >> (8 * i)) & 0xFF);
}

std::string mutate(std::string bytes, std::mt19937& random) {
  auto pick = [&](size_t n) { return n ? static_cast<size_t>(random() % n) : 0; };
  const int mutations = 1 + static_cast<int>(random() % 4);
  for (int m = 0; m < mutations; ++m) {
    switch (random() % 8) {
      case 0:  // any byte to any value
        if (!bytes.empty()) bytes[pick(bytes.size())] = static_cast<char>(random());
        break;
      case 1:  // a JSON-ish character into the header region
        if (bytes.size() > 8)
          bytes[8 + pick(std::min<size_t>(bytes.size() - 8, 400))] =
              kJsonish[pick(sizeof(kJsonish) - 1)];
        break;
      case 2:  // truncate
        bytes.resize(pick(bytes.size() + 1));
        break;
      case 3:  // insert a few bytes
        bytes.insert(pick(bytes.size() + 1),
                     std::string(1 + pick(4), kJsonish[pick(sizeof(kJsonish) - 1)]));
        break;
      case 4:  // delete a few bytes
        if (!bytes.empty()) bytes.erase(pick(bytes.size()), 1 + pick(4));
        break;
      case 5:  // perturb the header length
        if (bytes.size() >= 8) bytes[pick(8)] = static_cast<char>(random());
        break;
      case 6:  // a digit into a big number
        if (bytes.size() > 8)
          bytes.insert(8 + pick(std::min<size_t>(bytes.size() - 8, 400)), "99999999999");
        break;
      case 7:  // a number in the header replaced by a hostile one (JSON stays valid)
        replaceNumber(bytes, random);
        break;
    }
  }
  return bytes;
}

TEST(SafetensorsFuzz, RandomMutationsNeverCrashOrEscapeTheFile) {
  test::TempDir dir("st-fuzz");
  const std::string seed = validSmallFile(dir);
  ASSERT_FALSE(seed.empty());
  std::mt19937 random(20240607);  // fixed: failures reproduce
  int opened = 0, rejected = 0;
  for (int iteration = 0; iteration < 2000; ++iteration) {
    const std::string bytes = mutate(seed, random);
    // A new name each time: truncating a file in place makes ext4 flush it.
    const std::string path = (dir / ("fuzz-" + std::to_string(iteration))).string();
    test::writeBytes(path, bytes);
    auto file = SafetensorsFile::open(path);
    std::filesystem::remove(path);
    if (!file.ok()) {
      ++rejected;
      ASSERT_EQ(file.error().kind, ErrorKind::ModelInvalid)
          << "iteration " << iteration << ": " << file.error().message;
      ASSERT_EQ(file.error().message.rfind(path + ": ", 0), 0u) << file.error().message;
      continue;
    }
    ++opened;
    // Whatever opened must describe bytes inside the file: touch them all.
    uint64_t checksum = 0;
    for (const auto& info : file.value()->tensors()) {
      const uint8_t* data = file.value()->data(info);
      ASSERT_NE(data, nullptr) << info.name;
      ASSERT_LE(info.end, bytes.size()) << "iteration " << iteration;
      ASSERT_EQ(info.byteSize(), static_cast<uint64_t>(info.numel()) * dtypeSize(info.dtype));
      for (uint64_t i = 0; i < info.byteSize(); ++i) checksum += data[i];
    }
    (void)checksum;
  }
  // Both paths must have been exercised for the loop to mean anything.
  EXPECT_GT(opened, 20);
  EXPECT_GT(rejected, 1000);
  RecordProperty("opened", opened);
  RecordProperty("rejected", rejected);
}

}  // namespace
}  // namespace fd
