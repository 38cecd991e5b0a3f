#include "text/unicode_nfc.h"

#include <algorithm>

#include "text/unicode_properties.h"
#include "text/unicode_tables.h"

namespace fd::unicode {

namespace {

// Hangul syllables decompose and compose by arithmetic (Unicode chapter 3.12).
constexpr char32_t kHangulSBase = 0xAC00, kHangulLBase = 0x1100, kHangulVBase = 0x1161,
                   kHangulTBase = 0x11A7;
constexpr char32_t kHangulLCount = 19, kHangulVCount = 21, kHangulTCount = 28;
constexpr char32_t kHangulNCount = kHangulVCount * kHangulTCount;
constexpr char32_t kHangulSCount = kHangulLCount * kHangulNCount;

const tables::CanonicalDecomposition* findDecomposition(char32_t cp) {
  const auto* begin = tables::kDecompositions;
  const auto* end = begin + tables::kDecompositionCount;
  const auto* it = std::lower_bound(
      begin, end, static_cast<uint32_t>(cp),
      [](const tables::CanonicalDecomposition& d, uint32_t v) { return d.composite < v; });
  return (it != end && it->composite == cp) ? it : nullptr;
}

void appendDecomposed(char32_t cp, std::u32string& out) {
  if (cp >= kHangulSBase && cp < kHangulSBase + kHangulSCount) {
    const char32_t index = cp - kHangulSBase;
    out.push_back(kHangulLBase + index / kHangulNCount);
    out.push_back(kHangulVBase + (index % kHangulNCount) / kHangulTCount);
    if (index % kHangulTCount != 0) out.push_back(kHangulTBase + index % kHangulTCount);
    return;
  }
  const tables::CanonicalDecomposition* d = findDecomposition(cp);
  if (!d) {
    out.push_back(cp);
    return;
  }
  appendDecomposed(d->first, out);  // the table holds one level; recurse for the full decomposition
  if (d->second != 0) appendDecomposed(d->second, out);
}

// Stable sort of each run of non-starters by combining class.
void canonicalOrder(std::u32string& text) {
  size_t i = 0;
  while (i < text.size()) {
    if (combiningClass(text[i]) == 0) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && combiningClass(text[end]) != 0) ++end;
    if (end - i > 1) {
      std::stable_sort(text.begin() + static_cast<std::ptrdiff_t>(i),
                       text.begin() + static_cast<std::ptrdiff_t>(end), [](char32_t a, char32_t b) {
                         return combiningClass(a) < combiningClass(b);
                       });
    }
    i = end;
  }
}

// The primary composite of (first, second), or 0 when there is none.
char32_t composePair(char32_t first, char32_t second) {
  if (first >= kHangulLBase && first < kHangulLBase + kHangulLCount && second >= kHangulVBase &&
      second < kHangulVBase + kHangulVCount) {
    return kHangulSBase +
           ((first - kHangulLBase) * kHangulVCount + (second - kHangulVBase)) * kHangulTCount;
  }
  if (first >= kHangulSBase && first < kHangulSBase + kHangulSCount &&
      (first - kHangulSBase) % kHangulTCount == 0 && second > kHangulTBase &&
      second < kHangulTBase + kHangulTCount) {
    return first + (second - kHangulTBase);
  }
  const auto* begin = tables::kCompositions;
  const auto* end = begin + tables::kCompositionCount;
  const auto* it = std::lower_bound(
      begin, end, std::make_pair(static_cast<uint32_t>(first), static_cast<uint32_t>(second)),
      [](const tables::CanonicalComposition& c, const std::pair<uint32_t, uint32_t>& key) {
        return std::make_pair(c.first, c.second) < key;
      });
  return (it != end && it->first == first && it->second == second) ? it->composite : 0;
}

}  // namespace

std::u32string toNfc(const std::u32string& text) {
  // Below U+00C0 nothing decomposes, combines or composes: such text is already NFC.
  if (std::all_of(text.begin(), text.end(), [](char32_t cp) { return cp < 0xC0; })) return text;
  std::u32string decomposed;
  decomposed.reserve(text.size() + 8);
  for (char32_t cp : text) appendDecomposed(cp, decomposed);
  canonicalOrder(decomposed);

  std::u32string out;
  out.reserve(decomposed.size());
  size_t starter = std::u32string::npos;  // index in `out` of the last starter
  int lastClass = -1;  // class of the last character after the starter; -1: none yet
  for (char32_t cp : decomposed) {
    const int cls = combiningClass(cp);
    // cp can join the starter unless a character in between blocks it (class 0 or >= cp's class).
    if (starter != std::u32string::npos && (lastClass == -1 || lastClass < cls)) {
      const char32_t composite = composePair(out[starter], cp);
      if (composite != 0) {
        out[starter] = composite;
        continue;
      }
    }
    if (cls == 0) {
      starter = out.size();
      lastClass = -1;
    } else {
      lastClass = cls;
    }
    out.push_back(cp);
  }
  return out;
}

}  // namespace fd::unicode
