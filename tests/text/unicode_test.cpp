// The generated Unicode tables and the functions that read them, checked
// against facts of CPython 3.11 / Unicode 14.0.0 (the reference's interpreter).
#include <gtest/gtest.h>

#include "text/unicode_nfc.h"
#include "text/unicode_properties.h"
#include "text/unicode_tables.h"

namespace fd::test {
namespace {

using namespace fd::unicode;

std::u32string lower(const std::u32string& word) {
  std::u32string out;
  appendPythonLower(word, out);
  return out;
}

TEST(UnicodeTables, AreFromUnicode14) { EXPECT_STREQ(tables::kUnicodeVersion, "14.0.0"); }

TEST(UnicodeProperties, CategoryClasses) {
  EXPECT_EQ(categoryClass(U'a'), tables::kCategoryLetter);
  EXPECT_EQ(categoryClass(0x4E00), tables::kCategoryLetter);  // CJK ideograph (Lo)
  EXPECT_EQ(categoryClass(0x3042), tables::kCategoryLetter);  // hiragana
  EXPECT_EQ(categoryClass(U'7'), tables::kCategoryNumber);
  EXPECT_EQ(categoryClass(0x00B2), tables::kCategoryNumber);  // superscript two (No)
  EXPECT_EQ(categoryClass(0x2160), tables::kCategoryNumber);  // Roman numeral one (Nl)
  EXPECT_EQ(categoryClass(0x0301), tables::kCategoryMark);
  EXPECT_EQ(categoryClass(0x00A0), tables::kCategorySpaceSeparator);
  EXPECT_EQ(categoryClass(0x3000), tables::kCategorySpaceSeparator);
  EXPECT_EQ(categoryClass(0x200B), tables::kCategoryOther);    // ZWSP (Cf)
  EXPECT_EQ(categoryClass(0x00AD), tables::kCategoryOther);    // soft hyphen (Cf)
  EXPECT_EQ(categoryClass(0x0085), tables::kCategoryOther);    // NEL (Cc)
  EXPECT_EQ(categoryClass(0xE000), tables::kCategoryOther);    // private use (Co)
  EXPECT_EQ(categoryClass(0x0378), tables::kCategoryOther);    // unassigned (Cn)
  EXPECT_EQ(categoryClass(0x10FFFF), tables::kCategoryOther);  // noncharacter (Cn)
  EXPECT_EQ(categoryClass(U'!'), tables::kCategoryRest);
  EXPECT_EQ(categoryClass(0x2028), tables::kCategoryRest);   // line separator (Zl)
  EXPECT_EQ(categoryClass(0x1F436), tables::kCategoryRest);  // dog face (So)
  // Assigned in Unicode 14 (Arabic pound mark above), absent in 13.
  EXPECT_EQ(categoryClass(0x0890), tables::kCategoryOther);   // Cf
  EXPECT_EQ(categoryClass(0x1FAE0), tables::kCategoryRest);   // melting face (So), new in 14
  EXPECT_EQ(categoryClass(0x1FAF7), tables::kCategoryOther);  // unassigned in 14
}

TEST(UnicodeProperties, PythonSpacesAndCjk) {
  for (char32_t cp : {U'\t', U'\n', U'\v', U'\f', U'\r', char32_t(0x1C), U' ', char32_t(0x85),
                      char32_t(0xA0), char32_t(0x2028), char32_t(0x2029), char32_t(0x3000)}) {
    EXPECT_TRUE(isPythonSpace(cp)) << std::hex << uint32_t(cp);
  }
  for (char32_t cp : {U'a', char32_t(0x200B), char32_t(0xFEFF), char32_t(0x180E)}) {
    EXPECT_FALSE(isPythonSpace(cp)) << std::hex << uint32_t(cp);
  }
  EXPECT_TRUE(isCjkIdeograph(0x4E00));
  EXPECT_TRUE(isCjkIdeograph(0x9FFF));
  EXPECT_TRUE(isCjkIdeograph(0x2A6DF));
  EXPECT_TRUE(isCjkIdeograph(0xF900));
  EXPECT_FALSE(isCjkIdeograph(0x3042));  // kana are not split
  EXPECT_FALSE(isCjkIdeograph(0xAC00));  // nor is Hangul
  EXPECT_FALSE(isCjkIdeograph(0xFF0C));  // nor full-width punctuation
  EXPECT_FALSE(isCjkIdeograph(0x2A6E0));
}

TEST(UnicodeProperties, PythonLowerIsFullLowercasing) {
  EXPECT_EQ(lower(U"HeLLo"), U"hello");
  EXPECT_EQ(lower(U"\u0130stanbul"), U"i\u0307stanbul");           // İ -> i + combining dot above
  EXPECT_EQ(lower(U"\u1E9E"), U"\u00DF");                          // ẞ -> ß
  EXPECT_EQ(lower(U"\u01C5"), U"\u01C6");                          // title case ǅ -> ǆ
  EXPECT_EQ(lower(U"\u216B"), U"\u217B");                          // Roman numeral twelve
  EXPECT_EQ(lower(U"\uFF21\uFF22"), U"\uFF41\uFF42");              // full-width ＡＢ
  EXPECT_EQ(lower(U"\u1FBC"), U"\u1FB3");                          // ᾼ -> ᾳ
  EXPECT_EQ(lower(U"\u0100\u0101\u0102"), U"\u0101\u0101\u0103");  // a stride-2 range
  EXPECT_EQ(lower(U"\U00010400"), U"\U00010428");                  // Deseret, outside the BMP
}

TEST(UnicodeProperties, FinalSigmaIsJudgedWithinTheWord) {
  EXPECT_EQ(lower(U"\u039F\u0394\u039F\u03A3"), U"\u03BF\u03B4\u03BF\u03C2");  // ΟΔΟΣ -> οδος
  EXPECT_EQ(lower(U"\u03A3\u0391"), U"\u03C3\u03B1");                          // ΣΑ: not final
  EXPECT_EQ(lower(U"\u03A3"), U"\u03C3");                                      // alone: not final
  EXPECT_EQ(lower(U"A\u03A3."), U"a\u03C2.");                                  // punctuation after
  EXPECT_EQ(lower(U"A\u03A3\u0301"), U"a\u03C2\u0301");                        // a mark is skipped
  EXPECT_EQ(lower(U"A\u03A3\u0301B"), U"a\u03C3\u0301b");                      // ... on both sides
  EXPECT_EQ(lower(U"1\u03A3"), U"1\u03C3");  // nothing cased before
}

TEST(UnicodeNfc, ComposesAndOrders) {
  EXPECT_EQ(toNfc(U"e\u0301"), U"\u00E9");
  EXPECT_EQ(toNfc(U"caf\u00E9"), U"caf\u00E9");
  EXPECT_EQ(toNfc(U"a\u0302\u0323"), U"\u1EAD");         // marks reordered, then composed: ậ
  EXPECT_EQ(toNfc(U"u\u0308\u0304"), U"\u01D6");         // two levels: ü then ǖ
  EXPECT_EQ(toNfc(U"A\u030A\u0301"), U"\u01FA");         // Ǻ
  EXPECT_EQ(toNfc(U"q\u0307\u0323"), U"q\u0323\u0307");  // reordered, nothing to compose with
  EXPECT_EQ(toNfc(U"\u1E9B\u0323"), U"\u1E9B\u0323");
}

TEST(UnicodeNfc, SingletonsExclusionsHangulAndCompatibility) {
  EXPECT_EQ(toNfc(U"\u212B"), U"\u00C5");              // Angstrom sign -> Å (singleton)
  EXPECT_EQ(toNfc(U"\u0958"), U"\u0915\u093C");        // excluded from composition
  EXPECT_EQ(toNfc(U"\u1100\u1161\u11A8"), U"\uAC01");  // conjoining jamo -> 각
  EXPECT_EQ(toNfc(U"\uAC00\u11A8"), U"\uAC01");        // LV + T
  EXPECT_EQ(toNfc(U"\uFB01\uFF21\u00B2"), U"\uFB01\uFF21\u00B2");  // NFKC-only characters stay
  EXPECT_EQ(toNfc(U"\uF900"), U"\u8C48");                          // CJK compatibility ideograph
  EXPECT_EQ(toNfc(U""), U"");
}

}  // namespace
}  // namespace fd::test
