#include "text/clip_pretokenizer.h"

#include "text/unicode_properties.h"
#include "text/utf8.h"

namespace fd::clip_text {

namespace {

enum class CharClass { Letter, Number, Other, Unmatched };

CharClass classify(char32_t cp) {
  if (unicode::isPythonSpace(cp) || unicode::isRegexUnmatched(cp)) return CharClass::Unmatched;
  switch (unicode::categoryClass(cp)) {
    case unicode::tables::kCategoryLetter: return CharClass::Letter;
    case unicode::tables::kCategoryNumber: return CharClass::Number;
    default: return CharClass::Other;
  }
}

// Whether cp matches the lowercase ASCII letter `letter` under the regex
// module's IGNORECASE (simple case folding): the letter itself, its capital,
// and U+017F LONG S for 's' (the generator's probe found no other).
bool matchesIgnoringCase(char32_t cp, char letter) {
  if (cp == static_cast<char32_t>(letter)) return true;
  if (letter >= 'a' && letter <= 'z' && cp == static_cast<char32_t>(letter - 'a' + 'A'))
    return true;
  return letter == 's' && cp == 0x017F;
}

// Length of `literal` if it matches word at pos (ignoring case), else 0.
size_t matchLiteral(const std::u32string& word, size_t pos, const char* literal) {
  size_t i = 0;
  for (; literal[i] != '\0'; ++i) {
    if (pos + i >= word.size() || !matchesIgnoringCase(word[pos + i], literal[i])) return 0;
  }
  return i;
}

// The alternatives before the character classes, in the pattern's order.
size_t matchLiteralAlternative(const std::u32string& word, size_t pos) {
  static const char* const kLiterals[] = {
      "<|startoftext|>", "<|endoftext|>", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
  if (word[pos] != U'<' && word[pos] != U'\'') return 0;
  for (const char* literal : kLiterals) {
    if (const size_t length = matchLiteral(word, pos, literal)) return length;
  }
  return 0;
}

}  // namespace

void splitPretokens(const std::u32string& word, std::vector<std::string>& pretokens) {
  size_t pos = 0;
  while (pos < word.size()) {
    size_t length = matchLiteralAlternative(word, pos);
    if (length == 0) {
      const CharClass cls = classify(word[pos]);
      if (cls == CharClass::Unmatched) {  // findall moves on without a match
        ++pos;
        continue;
      }
      length = 1;
      if (cls !=
          CharClass::Number) {  // [\p{L}]+ and [^\s\p{L}\p{N}]+ are greedy; digits stand alone
        while (pos + length < word.size() && classify(word[pos + length]) == cls) ++length;
      }
    }
    pretokens.push_back(unicode::encodeUtf8(std::u32string_view(word).substr(pos, length)));
    pos += length;
  }
}

}  // namespace fd::clip_text
