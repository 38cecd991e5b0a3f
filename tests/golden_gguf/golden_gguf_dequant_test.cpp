// Torch-free golden runner for <golden>/gguf: every subfolder holding a
// config.json is one test, found when the binary starts (no case names
// here). Kind `gguf_dequant`: every tensor of tensors.gguf (written by ggml)
// is expanded by weights/ggml_quants.h to float32 and bfloat16 and compared
// with ggml's own dequantizer output (expected.safetensors) within the
// tensor's tolerance from config.json; for the types FluxDesk can write,
// source.safetensors (ggml's input) is quantized again and the bytes are
// compared with ggml's. Kinds other runners own are skipped by name; an
// unknown kind fails.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/test_paths.h"
#include "weights/ggml_quants.h"
#include "weights/gguf_file.h"
#include "weights/safetensors_file.h"

namespace fd::test {

namespace fs = std::filesystem;

struct GgufGoldenCase {
  std::string name;  // folder name
  std::string testName;
  fs::path dir;
  nlohmann::json config;
  std::string loadError;  // config.json unreadable or not an object
};

void PrintTo(const GgufGoldenCase& c, std::ostream* os) { *os << c.name; }

namespace {

fs::path ggufGoldenRoot() { return goldenRoot() / "gguf"; }

// Kinds of <golden>/gguf that another runner owns.
const std::map<std::string, std::string>& kindsRunElsewhere() {
  static const std::map<std::string, std::string> kinds = {
      {"transformer_forward", "golden_flux (tests/golden)"}};
  return kinds;
}

std::vector<GgufGoldenCase> discoverCases() {
  std::vector<GgufGoldenCase> cases;
  std::error_code ec;
  for (fs::directory_iterator it(ggufGoldenRoot(), ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_directory(ec) || !fs::exists(it->path() / "config.json", ec)) continue;
    GgufGoldenCase c;
    c.dir = it->path();
    c.name = it->path().filename().string();
    try {
      c.config = nlohmann::json::parse(readTextFile(c.dir / "config.json"));
      if (!c.config.is_object()) c.loadError = "config.json is not a JSON object";
    } catch (const std::exception& e) {
      c.loadError = (c.dir / "config.json").string() + ": " + e.what();
    }
    cases.push_back(std::move(c));
  }
  std::sort(cases.begin(), cases.end(),
            [](const GgufGoldenCase& a, const GgufGoldenCase& b) { return a.name < b.name; });
  std::map<std::string, int> used;  // gtest names: [A-Za-z0-9_], unique
  for (auto& c : cases) {
    std::string name;
    for (char ch : c.name) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    if (name.empty()) name = "case";
    const int seen = used[name]++;
    c.testName = seen ? name + "_" + std::to_string(seen + 1) : name;
  }
  return cases;
}

const std::vector<GgufGoldenCase>& allCases() {
  static const std::vector<GgufGoldenCase> cases = discoverCases();
  return cases;
}

std::string kindOf(const GgufGoldenCase& c) {
  auto it = c.config.find("kind");
  return it != c.config.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// torch's float -> bfloat16 (round to nearest even, NaN -> 0x7FC0), written
// out here so the check does not lean on the code under test.
uint16_t bf16Of(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  if (std::isnan(value)) return 0x7FC0;
  return static_cast<uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

struct Tolerance {
  double atol = 0;
  double rtol = 0;
};

struct Comparison {
  int64_t outside = 0;
  int64_t worstIndex = -1;
  double worstExcess = 0;  // |a - e| - limit at the worst element
  double maxAbsDiff = 0;
};

Comparison compare(const float* actual, const float* expected, int64_t count, Tolerance tol) {
  Comparison result;
  for (int64_t i = 0; i < count; ++i) {
    const double a = actual[i], e = expected[i];
    const bool bothNan = std::isnan(a) && std::isnan(e);
    const double diff = bothNan ? 0.0 : std::fabs(a - e);
    const double limit = tol.atol + tol.rtol * std::fabs(e);
    result.maxAbsDiff = std::max(result.maxAbsDiff, std::isnan(diff) ? INFINITY : diff);
    if (!(diff <= limit)) {
      ++result.outside;
      const double excess = std::isnan(diff) ? INFINITY : diff - limit;
      if (result.worstIndex < 0 || excess > result.worstExcess) {
        result.worstIndex = i;
        result.worstExcess = excess;
      }
    }
  }
  return result;
}

std::string describeWorst(const Comparison& c, const float* actual, const float* expected) {
  if (c.worstIndex < 0) return "";
  char text[200];
  std::snprintf(text, sizeof text, "%lld values outside tolerance; worst at %lld: %.9g vs %.9g",
                static_cast<long long>(c.outside), static_cast<long long>(c.worstIndex),
                actual[c.worstIndex], expected[c.worstIndex]);
  return text;
}

// The float32 values of an F32 safetensors tensor, shape-checked.
const float* floatValues(const SafetensorsFile& file, const std::string& name,
                         const std::vector<int64_t>& shape, std::string& problem) {
  const TensorInfo* info = file.find(name);
  if (!info) {
    problem = file.path() + " has no tensor " + name;
    return nullptr;
  }
  if (info->dtype != DType::F32 || info->shape != shape) {
    problem = file.path() + ": " + name + " is not F32 of the GGUF tensor's shape";
    return nullptr;
  }
  return reinterpret_cast<const float*>(file.data(*info));
}

// Quantizes ggml's input again: bytes equal to ggml's are the goal (reported
// per tensor); values within tolerance of ggml's dequantized ones are asserted.
void checkRequantized(const TensorInfo& info, const uint8_t* goldenBytes, const float* source,
                      const float* expected, Tolerance tol) {
  const int64_t count = info.numel();
  std::vector<uint8_t> bytes(info.byteSize());
  const Status quantized = quantizeRow(info.dtype, source, bytes.data(), count);
  ASSERT_TRUE(quantized.ok()) << quantized.error().message;
  int64_t differing = 0;
  for (size_t i = 0; i < bytes.size(); ++i) differing += bytes[i] != goldenBytes[i];
  std::vector<float> values(static_cast<size_t>(count));
  ASSERT_TRUE(dequantizeRow(info.dtype, bytes.data(), values.data(), count).ok());
  const Comparison c = compare(values.data(), expected, count, tol);
  std::printf("  %-24s %-5s requantized from source: bytes %s (%lld of %zu differ)\n",
              info.name.c_str(), dtypeDisplayName(info.dtype),
              differing == 0 ? "EQUAL to ggml's" : "differ from ggml's",
              static_cast<long long>(differing), bytes.size());
  EXPECT_EQ(c.outside, 0) << info.name << " (" << dtypeDisplayName(info.dtype)
                          << ") quantized from source.safetensors, then dequantized: "
                          << describeWorst(c, values.data(), expected);
}

void runGgufDequant(const GgufGoldenCase& c) {
  auto gguf = GgufFile::open((c.dir / "tensors.gguf").string());
  ASSERT_TRUE(gguf.ok()) << gguf.error().message;
  auto expectedFile = SafetensorsFile::open((c.dir / "expected.safetensors").string());
  ASSERT_TRUE(expectedFile.ok()) << expectedFile.error().message;
  // ggml's input, kept for information: without it only the re-quantization
  // check is left out (and said so).
  std::shared_ptr<SafetensorsFile> source;
  if (auto opened = SafetensorsFile::open((c.dir / "source.safetensors").string()); opened.ok())
    source = opened.value();
  else
    std::printf("  %s: no usable source.safetensors (%s): quantizers not checked\n", c.name.c_str(),
                opened.error().message.c_str());
  const auto tensorsIt = c.config.find("tensors");
  ASSERT_TRUE(tensorsIt != c.config.end() && tensorsIt->is_object()) << c.dir / "config.json"
                                                                     << " has no `tensors` object";

  const auto& tensors = gguf.value()->tensors();
  ASSERT_FALSE(tensors.empty()) << c.dir / "tensors.gguf"
                                << " holds no tensors";
  int requantized = 0;
  for (const TensorInfo& info : tensors) {
    SCOPED_TRACE(c.name + " tensor " + info.name + " (" + dtypeDisplayName(info.dtype) + ")");
    const auto spec = tensorsIt->find(info.name);
    ASSERT_TRUE(spec != tensorsIt->end() && spec->contains("tolerance"))
        << "config.json gives no tolerance for " << info.name;
    const auto& t = (*spec)["tolerance"];
    const Tolerance tol{t.value("atol", 0.0), t.value("rtol", 0.0)};
    if (spec->contains("ggml_type")) {
      EXPECT_EQ(dtypeDisplayName(info.dtype), (*spec)["ggml_type"].get<std::string>());
    }

    std::string problem;
    const float* expected = floatValues(*expectedFile.value(), info.name, info.shape, problem);
    ASSERT_NE(expected, nullptr) << problem;
    const uint8_t* bytes = gguf.value()->data(info);
    ASSERT_NE(bytes, nullptr);
    const int64_t count = info.numel();

    std::vector<float> values(static_cast<size_t>(count));
    const Status asFloat = dequantizeRow(info.dtype, bytes, values.data(), count);
    ASSERT_TRUE(asFloat.ok()) << asFloat.error().message;
    const Comparison fc = compare(values.data(), expected, count, tol);
    EXPECT_EQ(fc.outside, 0) << "float32: " << describeWorst(fc, values.data(), expected);

    std::vector<uint16_t> halves(static_cast<size_t>(count));
    const Status asBf16 = dequantizeRowBf16(info.dtype, bytes, halves.data(), count);
    ASSERT_TRUE(asBf16.ok()) << asBf16.error().message;
    int64_t bf16Mismatches = 0, firstMismatch = -1;
    for (int64_t i = 0; i < count; ++i) {
      if (halves[i] == bf16Of(expected[i])) continue;
      if (firstMismatch < 0) firstMismatch = i;
      ++bf16Mismatches;
    }
    EXPECT_EQ(bf16Mismatches, 0) << "bfloat16 differs from the expected value rounded to "
                                 << "bfloat16, first at " << firstMismatch;
    std::printf("  %-24s %-5s %6lld values: max |diff| %.3g (atol %.3g), bf16 %s\n",
                info.name.c_str(), dtypeDisplayName(info.dtype), static_cast<long long>(count),
                fc.maxAbsDiff, tol.atol, bf16Mismatches ? "DIFFERS" : "exact");

    if (source && canQuantize(info.dtype)) {
      const float* input = floatValues(*source, info.name, info.shape, problem);
      ASSERT_NE(input, nullptr) << problem;
      checkRequantized(info, bytes, input, expected, tol);
      ++requantized;
    } else if (source) {
      std::printf("  %-24s %-5s not re-quantized: FluxDesk writes no %s\n", info.name.c_str(),
                  dtypeDisplayName(info.dtype), dtypeDisplayName(info.dtype));
    }
  }
  // Every tensor config.json lists must be in the file.
  for (const auto& [name, spec] : tensorsIt->items())
    EXPECT_NE(gguf.value()->find(name), nullptr) << c.dir / "tensors.gguf"
                                                 << " lacks " << name;
  std::printf("%s: %zu tensors dequantized, %d re-quantized\n", c.name.c_str(), tensors.size(),
              requantized);
}

class GgufGolden : public ::testing::TestWithParam<GgufGoldenCase> {};

TEST_P(GgufGolden, Case) {
  const GgufGoldenCase& c = GetParam();
  ASSERT_TRUE(c.loadError.empty()) << c.loadError;
  const std::string kind = kindOf(c);
  ASSERT_FALSE(kind.empty()) << c.dir / "config.json"
                             << " has no string field `kind`";
  if (kind == "gguf_dequant") return runGgufDequant(c);
  const auto elsewhere = kindsRunElsewhere().find(kind);
  if (elsewhere != kindsRunElsewhere().end())
    GTEST_SKIP() << c.name << ": kind `" << kind << "` is run by " << elsewhere->second;
  FAIL() << c.name << ": unknown kind `" << kind << "` in " << c.dir / "config.json"
         << " (this runner knows gguf_dequant)";
}

INSTANTIATE_TEST_SUITE_P(Folders, GgufGolden, ::testing::ValuesIn(allCases()),
                         [](const ::testing::TestParamInfo<GgufGoldenCase>& info) {
                           return info.param.testName;
                         });
// An empty folder is reported by the scan test below, with the path.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GgufGolden);

TEST(GgufGoldenScan, FindsDequantCases) {
  ASSERT_FALSE(allCases().empty())
      << "no subfolder with config.json under " << ggufGoldenRoot() << " (set FLUXDESK_GOLDEN_DIR)";
  const auto dequantCases = std::count_if(allCases().begin(), allCases().end(), [](const auto& c) {
    return kindOf(c) == "gguf_dequant";
  });
  EXPECT_GT(dequantCases, 0) << "no case of kind gguf_dequant under " << ggufGoldenRoot();
}

}  // namespace
}  // namespace fd::test
