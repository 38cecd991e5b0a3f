// T5 tokenizer behaviour beyond the golden cases.
#include "text/t5_tokenizer.h"

#include <gtest/gtest.h>

#include "support/test_paths.h"

namespace fd::test {
namespace {

std::string spieceModel() { return (tokenizerRoot() / "t5-v1_1" / "spiece.model").string(); }

class T5TokenizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<T5Tokenizer> loaded = T5Tokenizer::fromModelFile(spieceModel());
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    tokenizer_ = new T5Tokenizer(std::move(loaded).value());
  }
  static void TearDownTestSuite() { delete tokenizer_; }

  static std::vector<int64_t> kept(const std::string& prompt, int maxLength = 256) {
    Result<TokenizedText> t = tokenizer_->encode(prompt, maxLength);
    EXPECT_TRUE(t.ok()) << t.error().message;
    if (!t.ok()) return {};
    return std::vector<int64_t>(t->ids.begin(), t->ids.begin() + t->length);
  }

  static T5Tokenizer* tokenizer_;
};
T5Tokenizer* T5TokenizerTest::tokenizer_ = nullptr;

TEST_F(T5TokenizerTest, KnownIdsAndPadding) {
  Result<TokenizedText> t = tokenizer_->encode("a photo of a cat");
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_EQ(t->ids.size(), 256u);
  // SOURCE.md: "▁"=3, "a"=9, "▁photo"=1202, "▁of"=13, "▁cat"=1712, "</s>"=1.
  EXPECT_EQ(std::vector<int64_t>(t->ids.begin(), t->ids.begin() + 8),
            (std::vector<int64_t>{3, 9, 1202, 13, 3, 9, 1712, 1}));
  for (size_t i = 8; i < 256; ++i) EXPECT_EQ(t->ids[i], 0);
  EXPECT_EQ(t->length, 8);
  EXPECT_EQ(t->untruncatedLength, 8);
  EXPECT_FALSE(t->truncated);
  EXPECT_EQ(t->tokens, (std::vector<std::string>{"\xE2\x96\x81", "a", "\xE2\x96\x81photo",
                                                 "\xE2\x96\x81of", "\xE2\x96\x81", "a",
                                                 std::string("\xE2\x96\x81") + "cat", "</s>"}));
  EXPECT_EQ(tokenizer_->vocabularySize(), 32100);
}

TEST_F(T5TokenizerTest, EmptyAndWhitespaceOnlyPrompts) {
  for (const std::string prompt : {"", " ", "\t\n  \r\n", "\xC2\xA0\xE2\x80\x83"}) {
    Result<TokenizedText> t = tokenizer_->encode(prompt);
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(t->ids[0], 1);
    for (size_t i = 1; i < 256; ++i) EXPECT_EQ(t->ids[i], 0);
    EXPECT_EQ(t->length, 1);
    EXPECT_EQ(t->untruncatedLength, 1);
    EXPECT_FALSE(t->truncated);
  }
}

TEST_F(T5TokenizerTest, TruncatesAndKeepsTheEndToken) {
  Result<TokenizedText> t = tokenizer_->encode("a photo of a cat", 4);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->ids, (std::vector<int64_t>{3, 9, 1202, 1}));
  EXPECT_EQ(t->length, 4);
  EXPECT_EQ(t->untruncatedLength, 8);
  EXPECT_TRUE(t->truncated);
  Result<TokenizedText> one = tokenizer_->encode("a photo", 1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->ids, (std::vector<int64_t>{1}));
  for (int bad : {0, -5, kMaxTokenizerLength + 1}) {
    Result<TokenizedText> rejected = tokenizer_->encode("a photo", bad);
    ASSERT_FALSE(rejected.ok()) << bad;
    EXPECT_EQ(rejected.error().kind, ErrorKind::BadRequest);
  }
}

TEST_F(T5TokenizerTest, ControlCharactersAndNulDoNotBreakEncoding) {
  // The model's normalizer handles them; the result must still be well formed.
  for (const std::string& prompt : {std::string("a\0b", 3), std::string("\x01\x02\x1b[31m\x7f"),
                                    std::string("\xC2\x85\xEF\xBF\xBD")}) {
    Result<TokenizedText> t = tokenizer_->encode(prompt);
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(t->ids.size(), 256u);
    EXPECT_GE(t->length, 1);
    EXPECT_EQ(t->ids[static_cast<size_t>(t->length - 1)], 1);
  }
}

TEST_F(T5TokenizerTest, InvalidUtf8IsABadRequest) {
  for (const std::string prompt :
       {"cat \x80", "cat \xE2\x82", "\xC0\xAF", "\xED\xA0\x80 cat", "</s>\xF8"}) {
    Result<TokenizedText> t = tokenizer_->encode(prompt);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().kind, ErrorKind::BadRequest);
    EXPECT_NE(t.error().message.find("not valid UTF-8"), std::string::npos) << t.error().message;
  }
}

TEST_F(T5TokenizerTest, LiteralSpecialTokensBecomeSpecialIds) {
  // Documented behaviour (the reference's, not golden).
  std::vector<int64_t> expected = kept("a photo");
  expected.pop_back();        // its </s>
  expected.push_back(32099);  // <extra_id_0>
  std::vector<int64_t> cat = kept("of a cat");
  expected.insert(expected.end(), cat.begin(), cat.end());
  EXPECT_EQ(kept("a photo <extra_id_0> of a cat"), expected);
  EXPECT_EQ(kept("<extra_id_99>"), (std::vector<int64_t>{32000, 1}));
  EXPECT_EQ(kept("<pad><unk>"), (std::vector<int64_t>{0, 2, 1}));
  // A prompt ending in a literal </s> gets no second one, as in the reference.
  EXPECT_EQ(kept("</s>"), (std::vector<int64_t>{1}));
  std::vector<int64_t> withEnd = kept("a cat");
  EXPECT_EQ(kept("a cat</s>"), withEnd);
  // Not special: out of range, or a different case.
  for (const std::string prompt : {"<extra_id_100>", "</S>"}) {
    for (int64_t id : kept(prompt)) EXPECT_LT(id, 32000) << prompt;
  }
  Result<TokenizedText> t = tokenizer_->encode("x <extra_id_5>");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->tokens.at(static_cast<size_t>(t->length - 2)), "<extra_id_5>");
}

TEST_F(T5TokenizerTest, HundredKilobytePrompt) {
  std::string words;
  while (words.size() < 100000) words += "cat ";
  Result<TokenizedText> t = tokenizer_->encode(words);
  ASSERT_TRUE(t.ok()) << t.error().message;
  for (int i = 0; i < 255; ++i) EXPECT_EQ(t->ids[static_cast<size_t>(i)], 1712) << i;  // ▁cat
  EXPECT_EQ(t->ids[255], 1);
  EXPECT_EQ(t->untruncatedLength, 25001);
  EXPECT_TRUE(t->truncated);
}

TEST(T5TokenizerFiles, MissingAndMalformedModel) {
  TempDir dir("t5-files");
  Result<T5Tokenizer> missing = T5Tokenizer::fromModelFile((dir / "spiece.model").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::ModelMissing);
  EXPECT_NE(missing.error().message.find("spiece.model"), std::string::npos);
  writeTextFile(dir / "spiece.model", "this is not a protobuf");
  Result<T5Tokenizer> garbage = T5Tokenizer::fromModelFile((dir / "spiece.model").string());
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().kind, ErrorKind::ModelInvalid);
}

}  // namespace
}  // namespace fd::test
