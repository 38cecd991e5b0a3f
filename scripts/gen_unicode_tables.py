#!/usr/bin/env python3
"""Generates core/text/unicode_tables.cpp: the Unicode data the CLIP tokenizer needs.

The reference CLIP tokenizer (HF slow CLIPTokenizer without ftfy, see
shared/golden/text/README.md) runs on CPython 3.11 with Unicode 14.0.0 and the
`regex` module. Its behaviour depends on:
  - unicodedata.category (clean-up deletes C*, turns Zs into spaces),
  - str.isspace (str.split()),
  - unicodedata.normalize("NFC"),
  - str.lower() (full lowercase mapping, Final_Sigma via Cased/Case_Ignorable),
  - the regex classes [\\p{L}], [\\p{N}], [^\\s\\p{L}\\p{N}] under IGNORECASE.
This script asks Python itself for each of these, so the C++ tables reproduce
exactly the interpreter the reference used. Run it with a Python whose
unicodedata.unidata_version is 14.0.0 (Python 3.11):

    python3 scripts/gen_unicode_tables.py > core/text/unicode_tables.cpp
"""

import sys
import unicodedata

import regex

EXPECTED_UNICODE = "14.0.0"
MAX_CP = 0x110000

# Classes, in the order of the enums in core/text/unicode_tables.h.
CATEGORY_OTHER, CATEGORY_LETTER, CATEGORY_NUMBER, CATEGORY_MARK, CATEGORY_SPACE_SEPARATOR, CATEGORY_REST = range(6)
CASING_NONE, CASING_CASED, CASING_IGNORABLE = range(3)


def is_surrogate(cp):
    return 0xD800 <= cp <= 0xDFFF


def category_class(cp):
    cat = unicodedata.category(chr(cp))
    if cat == "Zs":
        return CATEGORY_SPACE_SEPARATOR
    return {"C": CATEGORY_OTHER, "L": CATEGORY_LETTER, "N": CATEGORY_NUMBER, "M": CATEGORY_MARK}.get(
        cat[0], CATEGORY_REST)


def casing_class(cp):
    """What CPython's Final_Sigma test sees: it skips Case_Ignorable characters, then
    asks whether the next one is Cased. Probed through str.lower() itself."""
    c = chr(cp)
    if ("A\u03a3" + c + "A").lower()[1] == "\u03c2":
        return CASING_NONE  # neither skipped nor cased: the sigma is final
    if ("A\u03a3" + c).lower()[1] == "\u03c3":
        return CASING_CASED  # not skipped and cased: the sigma is not final
    return CASING_IGNORABLE


def property_runs():
    runs = []
    previous = None
    for cp in range(MAX_CP):
        category = CATEGORY_OTHER if is_surrogate(cp) else category_class(cp)
        # Category C is deleted before lowercasing, so its casing never matters.
        casing = CASING_NONE if category == CATEGORY_OTHER else casing_class(cp)
        key = (category, casing)
        if key != previous:
            runs.append((cp << 8) | (category << 4) | casing)
            previous = key
    return runs


def lowercase_ranges():
    singles = []
    multi = []
    for cp in range(MAX_CP):
        if is_surrogate(cp) or cp == 0x3A3:  # capital sigma is context dependent
            continue
        lower = chr(cp).lower()
        if len(lower) != 1:
            multi.append((cp, [ord(x) for x in lower]))
        elif ord(lower) != cp:
            singles.append((cp, ord(lower) - cp))
    ranges = []  # [first, last, delta, stride]
    for cp, delta in singles:
        if ranges:
            first, last, d, stride = ranges[-1]
            if d == delta and cp - last in (1, 2) and (first == last or cp - last == stride):
                ranges[-1] = [first, cp, delta, cp - last]
                continue
        ranges.append([cp, cp, delta, 1])
    for before, after in zip(ranges, ranges[1:]):
        if after[0] <= before[1]:  # a stride-2 range must not interleave with another one
            raise SystemExit(f"overlapping lowercase ranges {before} {after}")
    return ranges, multi


def combining_class_runs():
    runs = []
    previous = None
    for cp in range(MAX_CP):
        ccc = 0 if is_surrogate(cp) else unicodedata.combining(chr(cp))
        if ccc != previous:
            runs.append((cp << 8) | ccc)
            previous = ccc
    return runs


def canonical_decompositions():
    """(composite, first, second, composes). Hangul syllables are algorithmic and not listed."""
    entries = []
    for cp in range(MAX_CP):
        if is_surrogate(cp):
            continue
        text = unicodedata.decomposition(chr(cp))
        if not text or text.startswith("<"):
            continue
        parts = [int(x, 16) for x in text.split()]
        if len(parts) > 2:
            raise SystemExit(f"unexpected canonical decomposition of U+{cp:04X}: {text}")
        second = parts[1] if len(parts) == 2 else 0
        # A composite is recomposed by NFC exactly when NFC leaves it alone
        # (this excludes singletons, non-starter decompositions and the exclusion list).
        composes = len(parts) == 2 and unicodedata.normalize("NFC", chr(cp)) == chr(cp)
        entries.append((cp, parts[0], second, composes))
    return entries


def python_space():
    return [cp for cp in range(MAX_CP) if not is_surrogate(cp) and chr(cp).isspace()]


def regex_unmatched():
    """Code points (surviving clean-up) that no alternative of the CLIP pattern's
    single-character classes matches, although unicodedata puts them in a class."""
    letter = regex.compile(r"[\p{L}]", regex.IGNORECASE)
    number = regex.compile(r"[\p{N}]", regex.IGNORECASE)
    other = regex.compile(r"[^\s\p{L}\p{N}]", regex.IGNORECASE)
    space = regex.compile(r"\s", regex.IGNORECASE)
    unmatched = []
    for cp in range(MAX_CP):
        if is_surrogate(cp):
            continue
        c = chr(cp)
        category = category_class(cp)
        if category == CATEGORY_OTHER:
            continue
        got = (bool(letter.fullmatch(c)), bool(number.fullmatch(c)), bool(other.fullmatch(c)),
               bool(space.fullmatch(c)))
        want_space = c.isspace()
        want_letter = category == CATEGORY_LETTER
        want_number = category == CATEGORY_NUMBER
        want = (want_letter, want_number, not (want_letter or want_number or want_space), want_space)
        if got == want:
            continue
        if got == (False, False, False, False):
            unmatched.append(cp)
            continue
        raise SystemExit(f"regex class of U+{cp:04X} differs from its category in an unhandled way: {got}")
    return unmatched


def hex_list(values, per_line, width):
    lines = []
    for i in range(0, len(values), per_line):
        lines.append("    " + " ".join(f"0x{v:0{width}x}," for v in values[i:i + per_line]))
    return "\n".join(lines)


def struct_list(rows, per_line):
    lines = []
    for i in range(0, len(rows), per_line):
        lines.append("    " + " ".join(rows[i:i + per_line]))
    return "\n".join(lines)


def main():
    if unicodedata.unidata_version != EXPECTED_UNICODE and "--any-version" not in sys.argv:
        raise SystemExit(f"unicodedata is {unicodedata.unidata_version}, the reference used {EXPECTED_UNICODE}; "
                         "pass --any-version to generate anyway")

    properties = property_runs()
    lower, lower_multi = lowercase_ranges()
    if lower_multi != [(0x130, [0x69, 0x307])]:
        raise SystemExit(f"unexpected multi-character lowercase mappings: {lower_multi}")
    ccc = combining_class_runs()
    decompositions = canonical_decompositions()
    compositions = sorted((first, second, cp) for cp, first, second, composes in decompositions if composes)
    spaces = python_space()
    unmatched = regex_unmatched()

    lower_rows = [f"{{0x{f:x}, 0x{l:x}, {d}, {s}}}," for f, l, d, s in lower]
    decomposition_rows = [f"{{0x{cp:x}, 0x{a:x}, 0x{b:x}}}," for cp, a, b, _ in decompositions]
    composition_rows = [f"{{0x{a:x}, 0x{b:x}, 0x{cp:x}}}," for a, b, cp in compositions]

    out = f"""// GENERATED by scripts/gen_unicode_tables.py from Python {sys.version.split()[0]}
// (unicodedata {unicodedata.unidata_version}, regex {regex.__version__}). Do not edit by hand.
// See core/text/unicode_tables.h for what each table means.
#include "text/unicode_tables.h"

// The tables keep the generator's layout (several entries a line).
// clang-format off
namespace fd::unicode::tables {{

const char kUnicodeVersion[] = "{unicodedata.unidata_version}";

// (first code point << 8) | (CategoryClass << 4) | CasingClass; a run lasts until the next entry.
const uint32_t kPropertyRuns[] = {{
{hex_list(properties, 8, 8)}
}};
const size_t kPropertyRunCount = sizeof(kPropertyRuns) / sizeof(kPropertyRuns[0]);

const LowercaseRange kLowercaseRanges[] = {{
{struct_list(lower_rows, 4)}
}};
const size_t kLowercaseRangeCount = sizeof(kLowercaseRanges) / sizeof(kLowercaseRanges[0]);

// (first code point << 8) | canonical combining class; a run lasts until the next entry.
const uint32_t kCombiningClassRuns[] = {{
{hex_list(ccc, 8, 8)}
}};
const size_t kCombiningClassRunCount = sizeof(kCombiningClassRuns) / sizeof(kCombiningClassRuns[0]);

// Sorted by composite.
const CanonicalDecomposition kDecompositions[] = {{
{struct_list(decomposition_rows, 4)}
}};
const size_t kDecompositionCount = sizeof(kDecompositions) / sizeof(kDecompositions[0]);

// Primary composites, sorted by (first, second).
const CanonicalComposition kCompositions[] = {{
{struct_list(composition_rows, 4)}
}};
const size_t kCompositionCount = sizeof(kCompositions) / sizeof(kCompositions[0]);

// str.isspace() is true exactly for these (sorted).
const uint32_t kPythonSpaces[] = {{
{hex_list(spaces, 8, 4)}
}};
const size_t kPythonSpaceCount = sizeof(kPythonSpaces) / sizeof(kPythonSpaces[0]);

// Code points the CLIP pattern's classes never match under IGNORECASE (sorted).
const uint32_t kRegexUnmatched[] = {{
{hex_list(unmatched, 8, 4)}
}};
const size_t kRegexUnmatchedCount = sizeof(kRegexUnmatched) / sizeof(kRegexUnmatched[0]);

}}  // namespace fd::unicode::tables
// clang-format on
"""
    sys.stdout.write(out)


if __name__ == "__main__":
    main()
