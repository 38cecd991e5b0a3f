#include "text/unicode_properties.h"

#include <algorithm>

namespace fd::unicode {

namespace {

// Index of the run (packed as start << 8 | payload) that contains cp.
uint32_t runPayload(const uint32_t* runs, size_t count, char32_t cp) {
  const uint32_t key = (static_cast<uint32_t>(cp) << 8) | 0xFF;
  const uint32_t* end = runs + count;
  const uint32_t* it = std::upper_bound(runs, end, key);  // first run starting after cp
  if (it == runs) return 0;
  return *(it - 1) & 0xFF;
}

bool sortedContains(const uint32_t* values, size_t count, char32_t cp) {
  return std::binary_search(values, values + count, static_cast<uint32_t>(cp));
}

char32_t simpleLower(char32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  const tables::LowercaseRange* begin = tables::kLowercaseRanges;
  const tables::LowercaseRange* end = begin + tables::kLowercaseRangeCount;
  const auto* it = std::upper_bound(
      begin, end, static_cast<uint32_t>(cp),
      [](uint32_t value, const tables::LowercaseRange& r) { return value < r.first; });
  if (it == begin) return cp;
  const tables::LowercaseRange& range = *(it - 1);
  if (cp > range.last || (cp - range.first) % range.stride != 0) return cp;
  return static_cast<char32_t>(static_cast<int64_t>(cp) + range.delta);
}

constexpr char32_t kCapitalSigma = 0x03A3;
constexpr char32_t kSmallSigma = 0x03C3;
constexpr char32_t kFinalSigma = 0x03C2;

// CPython's handle_capital_sigma: the sigma at word[i] is final when a cased
// letter precedes it and none follows it (skipping case-ignorable characters).
bool isFinalSigma(const std::u32string& word, size_t i) {
  size_t j = i;
  while (j > 0 && casingClass(word[j - 1]) == tables::kCasingIgnorable) --j;
  if (j == 0 || casingClass(word[j - 1]) != tables::kCasingCased) return false;
  size_t k = i + 1;
  while (k < word.size() && casingClass(word[k]) == tables::kCasingIgnorable) ++k;
  return k == word.size() || casingClass(word[k]) != tables::kCasingCased;
}

}  // namespace

tables::CategoryClass categoryClass(char32_t cp) {
  const uint32_t payload = runPayload(tables::kPropertyRuns, tables::kPropertyRunCount, cp);
  return static_cast<tables::CategoryClass>(payload >> 4);
}

tables::CasingClass casingClass(char32_t cp) {
  const uint32_t payload = runPayload(tables::kPropertyRuns, tables::kPropertyRunCount, cp);
  return static_cast<tables::CasingClass>(payload & 0x0F);
}

uint8_t combiningClass(char32_t cp) {
  if (cp < 0x300) return 0;  // nothing below U+0300 combines
  return static_cast<uint8_t>(
      runPayload(tables::kCombiningClassRuns, tables::kCombiningClassRunCount, cp));
}

bool isPythonSpace(char32_t cp) {
  return sortedContains(tables::kPythonSpaces, tables::kPythonSpaceCount, cp);
}

bool isRegexUnmatched(char32_t cp) {
  return sortedContains(tables::kRegexUnmatched, tables::kRegexUnmatchedCount, cp);
}

bool isCjkIdeograph(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

void appendPythonLower(const std::u32string& word, std::u32string& out) {
  for (size_t i = 0; i < word.size(); ++i) {
    const char32_t cp = word[i];
    if (cp == kCapitalSigma) {
      out.push_back(isFinalSigma(word, i) ? kFinalSigma : kSmallSigma);
    } else if (cp ==
               0x0130) {  // the only multi-character lowercase mapping (checked by the generator)
      out.push_back(U'i');
      out.push_back(0x0307);
    } else {
      out.push_back(simpleLower(cp));
    }
  }
}

}  // namespace fd::unicode
