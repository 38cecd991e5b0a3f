#include "text/clip_basic_tokenizer.h"

#include "text/unicode_nfc.h"
#include "text/unicode_properties.h"

namespace fd::clip_text {

namespace {

std::u32string cleanAndSpaceIdeographs(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t cp : text) {
    const bool keptControl = cp == U'\t' || cp == U'\n' || cp == U'\r';
    const unicode::tables::CategoryClass category = unicode::categoryClass(cp);
    if (cp == 0 || cp == 0xFFFD || (category == unicode::tables::kCategoryOther && !keptControl))
      continue;
    if (keptControl || cp == U' ' || category == unicode::tables::kCategorySpaceSeparator) {
      out.push_back(U' ');
    } else if (unicode::isCjkIdeograph(cp)) {
      out.push_back(U' ');
      out.push_back(cp);
      out.push_back(U' ');
    } else {
      out.push_back(cp);
    }
  }
  return out;
}

}  // namespace

std::vector<std::u32string> basicTokenize(const std::u32string& text) {
  const std::u32string normalized = unicode::toNfc(cleanAndSpaceIdeographs(text));
  std::vector<std::u32string> words;
  std::u32string word;
  const auto flush = [&]() {
    if (word.empty()) return;
    std::u32string lowered;
    lowered.reserve(word.size() + 1);
    unicode::appendPythonLower(word, lowered);
    words.push_back(std::move(lowered));
    word.clear();
  };
  for (char32_t cp : normalized) {
    if (unicode::isPythonSpace(cp)) {
      flush();
    } else {
      word.push_back(cp);
    }
  }
  flush();
  return words;
}

}  // namespace fd::clip_text
