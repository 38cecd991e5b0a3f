// Strict UTF-8 decoding: every malformed kind is rejected with its offset.
#include "text/utf8.h"

#include <gtest/gtest.h>

namespace fd::test {
namespace {

using unicode::decodeUtf8;
using unicode::encodeUtf8;
using unicode::validateUtf8;

TEST(Utf8, DecodesEveryLength) {
  Result<std::u32string> text = decodeUtf8("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x90\xB6");  // a é € 🐶
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, (std::u32string{U'a', 0xE9, 0x20AC, 0x1F436}));
}

TEST(Utf8, EncodesBackToTheSameBytes) {
  const std::string bytes =
      "x\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF";
  Result<std::u32string> text = decodeUtf8(bytes);
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(text->size(), 8u);
  EXPECT_EQ(encodeUtf8(*text), bytes);
}

TEST(Utf8, EmbeddedNulIsValid) {
  Result<std::u32string> text = decodeUtf8(std::string("a\0b", 3));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, (std::u32string{U'a', 0, U'b'}));
}

struct BadCase {
  const char* name;
  std::string bytes;
  size_t offset;
  const char* problem;
};

TEST(Utf8, RejectsMalformedInputNamingTheOffset) {
  const BadCase cases[] = {
      {"lone continuation byte", "ab\x80", 2, "continuation byte without a lead byte"},
      {"truncated at the end", "abc\xE2\x82", 3, "cut off by the end"},
      {"truncated before the next character", "\xE2\x82z", 0, "cut off before its continuation"},
      {"overlong two bytes", "xx\xC0\xAF", 2, "overlong"},
      {"overlong three bytes", "\xE0\x80\xAF", 0, "overlong"},
      {"overlong four bytes", "\xF0\x80\x80\xAF", 0, "overlong"},
      {"high surrogate", "ok \xED\xA0\x80", 3, "surrogate"},
      {"low surrogate", "\xED\xBF\xBF", 0, "surrogate"},
      {"above U+10FFFF", "\xF4\x90\x80\x80", 0, "above U+10FFFF"},
      {"byte 0xFF", "a\xFF", 1, "never occurs"},
      {"byte 0xF8", "\xF8\x88\x80\x80\x80", 0, "never occurs"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    Result<std::u32string> decoded = decodeUtf8(c.bytes);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.error().kind, ErrorKind::BadRequest);
    EXPECT_NE(decoded.error().message.find("byte offset " + std::to_string(c.offset)),
              std::string::npos)
        << decoded.error().message;
    EXPECT_NE(decoded.error().message.find(c.problem), std::string::npos)
        << decoded.error().message;
    Status status = validateUtf8(c.bytes);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().message, decoded.error().message);
  }
}

}  // namespace
}  // namespace fd::test
