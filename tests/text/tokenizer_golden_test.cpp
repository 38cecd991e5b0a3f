// Every case of $FLUXDESK_GOLDEN_DIR/text/tokenizer_cases.json, read when the
// test runs: the CLIP and T5 ids, lengths, truncation flags and token strings
// must equal the reference's exactly. One gtest per case name.
#include <gtest/gtest.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <ostream>

#include "support/test_paths.h"
#include "text/clip_tokenizer.h"
#include "text/t5_tokenizer.h"

namespace fd::test {
namespace {

struct GoldenCase {
  std::string name;
  nlohmann::json data;  // empty when the file could not be read (the test then fails)
  std::string loadError;
};

// gtest prints a failing parameter: show the case's name, not its bytes.
void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.name; }

std::filesystem::path casesFile() { return goldenRoot() / "text" / "tokenizer_cases.json"; }

std::vector<GoldenCase> loadCases() {
  try {
    const nlohmann::json all = nlohmann::json::parse(readTextFile(casesFile()));
    std::vector<GoldenCase> cases;
    for (const nlohmann::json& c : all) cases.push_back({c.at("name").get<std::string>(), c, ""});
    if (!cases.empty()) return cases;
    return {{"no_cases", {}, casesFile().string() + " holds no cases"}};
  } catch (const std::exception& e) {
    return {{"unreadable_cases_file", {}, casesFile().string() + ": " + e.what()}};
  }
}

class TokenizerGolden : public ::testing::TestWithParam<GoldenCase> {
 protected:
  static void SetUpTestSuite() {
    Result<ClipTokenizer> clip =
        ClipTokenizer::fromFolder((tokenizerRoot() / "clip-vit-large-patch14").string());
    ASSERT_TRUE(clip.ok()) << clip.error().message;
    clip_ = new ClipTokenizer(std::move(clip).value());
    Result<T5Tokenizer> t5 =
        T5Tokenizer::fromModelFile((tokenizerRoot() / "t5-v1_1" / "spiece.model").string());
    ASSERT_TRUE(t5.ok()) << t5.error().message;
    t5_ = new T5Tokenizer(std::move(t5).value());
  }
  static void TearDownTestSuite() {
    delete clip_;
    delete t5_;
    clip_ = nullptr;
    t5_ = nullptr;
  }

  static void expectMatches(const TokenizedText& got, const nlohmann::json& c,
                            const std::string& prefix, const char* tokensField, int maxLength) {
    EXPECT_EQ(got.ids, c.at(prefix + "_ids").get<std::vector<int64_t>>());
    EXPECT_EQ(got.ids.size(), static_cast<size_t>(maxLength));
    EXPECT_EQ(got.length, c.at(prefix + "_length").get<int>());
    EXPECT_EQ(got.untruncatedLength, c.at(prefix + "_untruncated_length").get<int>());
    EXPECT_EQ(got.truncated, c.at(prefix + "_truncated").get<bool>());
    EXPECT_EQ(got.tokens, c.at(tokensField).get<std::vector<std::string>>());
  }

  static ClipTokenizer* clip_;
  static T5Tokenizer* t5_;
};
ClipTokenizer* TokenizerGolden::clip_ = nullptr;
T5Tokenizer* TokenizerGolden::t5_ = nullptr;

TEST_P(TokenizerGolden, ClipIdsMatch) {
  const GoldenCase& c = GetParam();
  ASSERT_TRUE(c.loadError.empty()) << c.loadError;
  ASSERT_NE(clip_, nullptr);
  Result<TokenizedText> got = clip_->encode(c.data.at("prompt").get<std::string>(), 77);
  ASSERT_TRUE(got.ok()) << got.error().message;
  expectMatches(*got, c.data, "clip", "clip_tokens", 77);
}

TEST_P(TokenizerGolden, T5IdsMatch) {
  const GoldenCase& c = GetParam();
  ASSERT_TRUE(c.loadError.empty()) << c.loadError;
  ASSERT_NE(t5_, nullptr);
  Result<TokenizedText> got = t5_->encode(c.data.at("prompt").get<std::string>(), 256);
  ASSERT_TRUE(got.ok()) << got.error().message;
  expectMatches(*got, c.data, "t5", "t5_pieces", 256);
}

std::string caseName(const ::testing::TestParamInfo<GoldenCase>& info) {
  std::string name;
  for (char ch : info.param.name)
    name.push_back(std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_');
  return name.empty() ? "case_" + std::to_string(info.index) : name;
}

INSTANTIATE_TEST_SUITE_P(Cases, TokenizerGolden, ::testing::ValuesIn(loadCases()), caseName);

}  // namespace
}  // namespace fd::test
