#pragma once
// Unicode character properties as CPython 3.11 (Unicode 14.0.0) reports them,
// read from the generated tables in unicode_tables.cpp.

#include <cstdint>
#include <string>

#include "text/unicode_tables.h"

namespace fd::unicode {

tables::CategoryClass categoryClass(char32_t cp);  // reduced unicodedata.category
tables::CasingClass casingClass(char32_t cp);  // Cased / Case_Ignorable as str.lower() sees them
uint8_t combiningClass(char32_t cp);           // unicodedata.combining
bool isPythonSpace(char32_t cp);               // str.isspace()

// True for the code points that no class of the CLIP pre-tokenizer pattern
// matches (the regex module treats U+0345 this way under IGNORECASE).
bool isRegexUnmatched(char32_t cp);

// The "Chinese character" ranges of HF's BasicTokenizer._is_chinese_char.
bool isCjkIdeograph(char32_t cp);

// Appends Python's `word.lower()`: the full lowercase mapping (U+0130 becomes
// "i" + U+0307) with the Final_Sigma rule for U+03A3, judged within `word`.
void appendPythonLower(const std::u32string& word, std::u32string& out);

}  // namespace fd::unicode
