// CLIP tokenizer behaviour beyond the golden cases: edge cases, errors, the
// pre-tokenizer rules of the README, and the fast BPE against a naive oracle.
#include "text/clip_tokenizer.h"

#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "naive_clip_bpe.h"
#include "support/test_paths.h"
#include "text/clip_vocab_files.h"

namespace fd::test {
namespace {

constexpr int64_t kStart = 49406;
constexpr int64_t kEnd = 49407;

std::filesystem::path clipFolder() { return tokenizerRoot() / "clip-vit-large-patch14"; }

class ClipTokenizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<ClipTokenizer> loaded = ClipTokenizer::fromFolder(clipFolder().string());
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    tokenizer_ = new ClipTokenizer(std::move(loaded).value());
    oracle_ = new NaiveClipBpe(clipFolder());
  }
  static void TearDownTestSuite() {
    delete tokenizer_;
    delete oracle_;
  }

  // The ids between the start token and the end token.
  static std::vector<int64_t> content(const std::string& prompt, int maxLength = 100000) {
    Result<TokenizedText> t = tokenizer_->encode(prompt, maxLength);
    EXPECT_TRUE(t.ok()) << t.error().message;
    if (!t.ok()) return {};
    return std::vector<int64_t>(t->ids.begin() + 1, t->ids.begin() + t->length - 1);
  }

  static ClipTokenizer* tokenizer_;
  static NaiveClipBpe* oracle_;
};
ClipTokenizer* ClipTokenizerTest::tokenizer_ = nullptr;
NaiveClipBpe* ClipTokenizerTest::oracle_ = nullptr;

TEST_F(ClipTokenizerTest, ReadsEveryMergeOfTheRealFiles) {
  Result<ByteBpeVocabulary> files = readClipVocabFiles((clipFolder() / "vocab.json").string(),
                                                       (clipFolder() / "merges.txt").string());
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_EQ(files->tokenIds.size(), 49408u);
  // merges.txt is a header and 48894 merges: the reference's cap keeps them all.
  EXPECT_EQ(files->merges.size(), 48894u);
  EXPECT_EQ(kClipMaxMerges, 48894u);
  EXPECT_EQ(files->merges.front(), std::make_pair(std::string("i"), std::string("n")));
  EXPECT_EQ(files->merges.back(), std::make_pair(std::string("jeky"), std::string("ll</w>")));
  EXPECT_EQ(tokenizer_->startId(), kStart);
  EXPECT_EQ(tokenizer_->endId(), kEnd);
}

TEST_F(ClipTokenizerTest, EmptyAndWhitespaceOnlyPrompts) {
  for (const std::string prompt :
       {"", " ", "\t\n\r  ", "\xC2\xA0\xE3\x80\x80", "\xE2\x80\x8B\xEF\xBB\xBF", "\xE2\x80\xA8"}) {
    Result<TokenizedText> t = tokenizer_->encode(prompt);
    ASSERT_TRUE(t.ok()) << t.error().message;
    ASSERT_EQ(t->ids.size(), 77u);
    EXPECT_EQ(t->ids[0], kStart);
    for (size_t i = 1; i < 77; ++i) EXPECT_EQ(t->ids[i], kEnd);
    EXPECT_EQ(t->length, 2);
    EXPECT_EQ(t->untruncatedLength, 2);
    EXPECT_FALSE(t->truncated);
    EXPECT_EQ(t->tokens, (std::vector<std::string>{"<|startoftext|>", "<|endoftext|>"}));
  }
}

TEST_F(ClipTokenizerTest, TruncatesToTheRequestedLength) {
  Result<TokenizedText> t = tokenizer_->encode("a photo of a cat", 5);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->ids, (std::vector<int64_t>{kStart, 320, 1125, 539, kEnd}));  // a photo of
  EXPECT_EQ(t->length, 5);
  EXPECT_EQ(t->untruncatedLength, 7);
  EXPECT_TRUE(t->truncated);
  Result<TokenizedText> minimal = tokenizer_->encode("a photo", 2);
  ASSERT_TRUE(minimal.ok());
  EXPECT_EQ(minimal->ids, (std::vector<int64_t>{kStart, kEnd}));
  EXPECT_TRUE(minimal->truncated);
  for (int bad : {1, 0, -1, kMaxTokenizerLength + 1}) {
    Result<TokenizedText> rejected = tokenizer_->encode("a photo", bad);
    ASSERT_FALSE(rejected.ok()) << bad;
    EXPECT_EQ(rejected.error().kind, ErrorKind::BadRequest);
  }
}

TEST_F(ClipTokenizerTest, InvalidUtf8IsABadRequestNamingTheOffset) {
  const std::pair<std::string, size_t> cases[] = {
      {"a cat \x80", 6},              // lone continuation byte
      {"a cat \xE2\x82", 6},          // truncated sequence
      {"\xC1\xBF cat", 0},            // overlong
      {"cat \xED\xB2\x80", 4},        // surrogate
      {"<|endoftext|>\xF5\x80", 13},  // offsets count from the start of the whole prompt
  };
  for (const auto& [prompt, offset] : cases) {
    Result<TokenizedText> t = tokenizer_->encode(prompt);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().kind, ErrorKind::BadRequest);
    EXPECT_NE(t.error().message.find("byte offset " + std::to_string(offset)), std::string::npos)
        << t.error().message;
  }
}

// The pre-tokenizer rules of the README, each checked against the oracle BPE
// of the pre-tokens the rule predicts.
TEST_F(ClipTokenizerTest, PreTokenizerRules) {
  struct Case {
    std::string prompt;
    std::vector<std::string> pretokens;
  };
  const Case cases[] = {
      {"2024", {"2", "0", "2", "4"}},  // each digit alone
      {"v1.2", {"v", "1", ".", "2"}},
      {"it's they'll we've i'd you're i'm don't",
       {"it", "'s", "they", "'ll", "we", "'ve", "i", "'d", "you", "'re", "i", "'m", "don", "'t"}},
      {"it\xE2\x80\x99s", {"it", "\xE2\x80\x99", "s"}},  // curly apostrophe: no contraction
      {"IT'S", {"it", "'s"}},                            // lowercased first
      {"''s !'s", {"''", "s", "!'", "s"}},               // the symbol run wins first
      {"'l 'll", {"'", "l", "'ll"}},
      {"),:// !!!", {"),://", "!!!"}},
      {"\xC4\xB0stanbul", {"i", "\xCC\x87", "stanbul"}},  // İ -> i + U+0307 (a mark)
      {"e\xCC\x81t\xC3\xA9", {"\xC3\xA9t\xC3\xA9"}},      // NFC joins e + U+0301
      {"\xEF\xAC\x81ne", {"\xEF\xAC\x81ne"}},             // no NFKC: the ligature stays
      {"x\xC2\xB2", {"x", "\xC2\xB2"}},                   // superscript two is a number
      {"\xE4\xB8\x80\xE5\x8F\xAA",
       {"\xE4\xB8\x80", "\xE5\x8F\xAA"}},                          // each ideograph its own word
      {"\xE3\x81\x82\xE3\x81\x84", {"\xE3\x81\x82\xE3\x81\x84"}},  // kana stay together
      {"\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3", {"\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82"}},  // final sigma
      {"it'\xC5\xBFx", {"it", "'\xC5\xBF", "x"}},              // IGNORECASE: 'ſ matches 's
      {"<|ENDOFTEXT|>", {"<|endoftext|>"}},                    // lowercased, then one pre-token
      {"a<|endof\xE2\x80\x8Btext|>", {"a", "<|endoftext|>"}},  // ZWSP deleted first
      {"!<|ENDOFTEXT|>", {"!<|", "endoftext", "|>"}},          // inside a symbol run
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.prompt);
    EXPECT_EQ(content(c.prompt), oracle_->encodePretokens(c.pretokens));
  }
}

TEST_F(ClipTokenizerTest, CleanUpDeletesControlsAndFormatsAndTurnsSpacesIntoBreaks) {
  const std::vector<int64_t> joined = content("zerowidth");
  for (const std::string& prompt : std::vector<std::string>{
           "zero\xE2\x80\x8Bwidth", "zero\xC2\xADwidth", "zero\xE2\x81\xA0width",
           "zero\xEF\xBB\xBFwidth", "zero\x0Bwidth", "zero\x0Cwidth", "zero\xC2\x85width",
           std::string("zero\0width", 10), "zero\xEF\xBF\xBDwidth", "zero\xEE\x80\x80width",
           "zero\xE2\x80\x8Dwidth"}) {
    EXPECT_EQ(content(prompt), joined) << prompt;
  }
  const std::vector<int64_t> split = content("zero width");
  for (const std::string prompt :
       {"zero\twidth", "zero\nwidth", "zero\r\nwidth", "  zero   width  ", "zero\xC2\xA0width",
        "zero\xE2\x80\x83width", "zero\xE3\x80\x80width", "zero\xE2\x80\xA8width"}) {
    EXPECT_EQ(content(prompt), split) << prompt;
  }
  EXPECT_NE(joined, split);
}

TEST_F(ClipTokenizerTest, LiteralSpecialTokensBecomeSpecialIds) {
  // Documented behaviour (the reference's, not golden): exact, case-sensitive
  // "<|startoftext|>" / "<|endoftext|>" map to 49406 / 49407 in place.
  std::vector<int64_t> expected = content("a photo");
  expected.push_back(kEnd);
  const std::vector<int64_t> cat = content("of a cat");
  expected.insert(expected.end(), cat.begin(), cat.end());
  expected.push_back(kStart);
  EXPECT_EQ(content("a photo<|endoftext|>of a cat <|startoftext|>"), expected);

  Result<TokenizedText> only = tokenizer_->encode("<|endoftext|>");
  ASSERT_TRUE(only.ok());
  EXPECT_EQ(only->length, 3);
  EXPECT_EQ(std::vector<int64_t>(only->ids.begin(), only->ids.begin() + 3),
            (std::vector<int64_t>{kStart, kEnd, kEnd}));
  // Not the special text: ordinary BPE of its characters, no special id.
  for (int64_t id : content("<|ENDOFTEXT|>")) EXPECT_LT(id, kStart);
}

TEST_F(ClipTokenizerTest, FastBpeMatchesTheNaiveLoopOnLongRandomWords) {
  std::mt19937 rng(1234);
  const std::string alphabets[] = {
      "ab", "abcdefghijklmnopqrstuvwxyz", "aeiou st", "!?.,;:-", "0123456789abc", "mississippi"};
  for (int trial = 0; trial < 60; ++trial) {
    const std::string& alphabet = alphabets[trial % 6];
    std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
    std::uniform_int_distribution<int> length(1, trial < 50 ? 300 : 3000);
    std::string word;
    for (int n = length(rng); n > 0; --n) {
      const char c = alphabet[pick(rng)];
      if (c != ' ' && !(c >= '0' && c <= '9')) word.push_back(c);  // one letter or symbol run
    }
    const bool letters = word.find_first_of("!?.,;:-") == std::string::npos;
    const bool symbols = word.find_first_not_of("!?.,;:-") == std::string::npos;
    if (word.empty() || !(letters || symbols)) continue;
    SCOPED_TRACE(word.substr(0, 40));
    EXPECT_EQ(content(word), oracle_->encodePretoken(word));
  }
}

TEST_F(ClipTokenizerTest, HundredKilobytePrompts) {
  std::string words;
  while (words.size() < 100000) words += "cat ";
  Result<TokenizedText> t = tokenizer_->encode(words);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->ids[0], kStart);
  for (int i = 1; i <= 75; ++i) EXPECT_EQ(t->ids[i], 2368) << i;  // cat</w>
  EXPECT_EQ(t->ids[76], kEnd);
  EXPECT_EQ(t->untruncatedLength, 25002);
  EXPECT_TRUE(t->truncated);

  // One 100 KB word: the tokens must spell the word exactly (the merge loop
  // itself is checked against the oracle on shorter words above).
  std::string word;
  std::mt19937 rng(7);
  while (word.size() < 100000) word.push_back(static_cast<char>('a' + rng() % 26));
  Result<TokenizedText> w = tokenizer_->encode(word, 200000);
  ASSERT_TRUE(w.ok()) << w.error().message;
  std::string spelled;
  for (int i = 1; i + 1 < w->length; ++i) spelled += w->tokens[static_cast<size_t>(i)];
  EXPECT_EQ(spelled, word + "</w>");
  EXPECT_FALSE(w->truncated);

  std::string symbols(100000, '!');
  Result<TokenizedText> s = tokenizer_->encode(symbols);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->truncated);
}

TEST_F(ClipTokenizerTest, CopiesAndThreadsAgree) {
  const std::string prompts[] = {"a photo of a cat", "Crème brûlée 🐶", "一只可爱的小猫",
                                 "x² ½ ﬁne"};
  std::vector<std::vector<int64_t>> expected;
  for (const std::string& p : prompts) expected.push_back(tokenizer_->encode(p)->ids);
  const ClipTokenizer copy = *tokenizer_;
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        const size_t i = static_cast<size_t>((round + t) % 4);
        Result<TokenizedText> r = copy.encode(prompts[i]);
        if (!r.ok() || r->ids != expected[i]) ++mismatches[static_cast<size_t>(t)];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

TEST(ClipTokenizerFiles, MissingAndMalformedFiles) {
  TempDir dir("clip-files");
  Result<ClipTokenizer> missing = ClipTokenizer::fromFolder(dir.path().string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::ModelMissing);
  EXPECT_NE(missing.error().message.find("vocab.json"), std::string::npos)
      << missing.error().message;

  writeTextFile(dir / "vocab.json", "[1, 2]");
  writeTextFile(dir / "merges.txt", "#version: 0.2\na b\n");
  Result<ClipTokenizer> notObject = ClipTokenizer::fromFolder(dir.path().string());
  ASSERT_FALSE(notObject.ok());
  EXPECT_EQ(notObject.error().kind, ErrorKind::ModelInvalid);

  writeTextFile(dir / "vocab.json",
                R"({"a": 0, "b": 1, "ab": 2, "<|startoftext|>": 3, "<|endoftext|>": 4})");
  writeTextFile(dir / "merges.txt", "#version: 0.2\na b\na b c\n");
  Result<ClipTokenizer> badMerge = ClipTokenizer::fromFolder(dir.path().string());
  ASSERT_FALSE(badMerge.ok());
  EXPECT_EQ(badMerge.error().kind, ErrorKind::ModelInvalid);
  EXPECT_NE(badMerge.error().message.find("line 3"), std::string::npos) << badMerge.error().message;

  writeTextFile(dir / "vocab.json", R"({"a": 0, "b": 1})");
  writeTextFile(dir / "merges.txt", "#version: 0.2\na b\n");
  Result<ClipTokenizer> noSpecials = ClipTokenizer::fromFolder(dir.path().string());
  ASSERT_FALSE(noSpecials.ok());
  EXPECT_NE(noSpecials.error().message.find("<|endoftext|>"), std::string::npos);

  // A tiny but valid model: unknown symbols fall back to <|endoftext|>.
  writeTextFile(dir / "vocab.json",
                R"({"a": 0, "b</w>": 1, "ab</w>": 2, "<|startoftext|>": 3, "<|endoftext|>": 4})");
  writeTextFile(dir / "merges.txt", "#version: 0.2\na b</w>\n");
  Result<ClipTokenizer> tiny = ClipTokenizer::fromFolder(dir.path().string());
  ASSERT_TRUE(tiny.ok()) << tiny.error().message;
  Result<TokenizedText> t = tiny->encode("ab c", 6);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->ids,
            (std::vector<int64_t>{3, 2, 4, 4, 4, 4}));  // ab</w>, c</w> unknown -> 4, end, pad
  EXPECT_EQ(t->length, 4);
}

}  // namespace
}  // namespace fd::test
