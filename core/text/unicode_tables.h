#pragma once
// Compact Unicode data tables, generated from CPython's unicodedata (14.0.0,
// the version the reference tokenizer ran with) by scripts/gen_unicode_tables.py
// into unicode_tables.cpp. Only what the CLIP tokenizer needs is kept; the
// lookups that read these tables live in unicode_properties.cpp.

#include <cstddef>
#include <cstdint>

namespace fd::unicode::tables {

// What the reference does with a code point, reduced from its general category.
enum CategoryClass : uint8_t {
  kCategoryOther = 0,           // C*: control, format, surrogate, private use, unassigned
  kCategoryLetter = 1,          // L*
  kCategoryNumber = 2,          // N*
  kCategoryMark = 3,            // M*
  kCategorySpaceSeparator = 4,  // Zs
  kCategoryRest = 5,            // P*, S*, Zl, Zp
};

// What CPython's Final_Sigma rule sees of a code point.
enum CasingClass : uint8_t {
  kCasingNone = 0,       // neither Cased nor Case_Ignorable
  kCasingCased = 1,      // Cased and not Case_Ignorable
  kCasingIgnorable = 2,  // Case_Ignorable (skipped when looking for a cased neighbour)
};

// Code points first, first+stride, ..., last map to code point + delta.
struct LowercaseRange {
  uint32_t first;
  uint32_t last;
  int32_t delta;
  uint32_t stride;  // 1 or 2
};

struct CanonicalDecomposition {
  uint32_t composite;
  uint32_t first;
  uint32_t second;  // 0 for a singleton decomposition
};

struct CanonicalComposition {
  uint32_t first;
  uint32_t second;
  uint32_t composite;
};

extern const char kUnicodeVersion[];
extern const uint32_t kPropertyRuns[];
extern const size_t kPropertyRunCount;
extern const LowercaseRange kLowercaseRanges[];
extern const size_t kLowercaseRangeCount;
extern const uint32_t kCombiningClassRuns[];
extern const size_t kCombiningClassRunCount;
extern const CanonicalDecomposition kDecompositions[];
extern const size_t kDecompositionCount;
extern const CanonicalComposition kCompositions[];
extern const size_t kCompositionCount;
extern const uint32_t kPythonSpaces[];
extern const size_t kPythonSpaceCount;
extern const uint32_t kRegexUnmatched[];
extern const size_t kRegexUnmatchedCount;

}  // namespace fd::unicode::tables
