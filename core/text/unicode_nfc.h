#pragma once
// Unicode Normalization Form C, as Python's unicodedata.normalize("NFC") with
// Unicode 14.0.0: canonical decomposition, canonical ordering, canonical
// composition (Hangul algorithmically, the rest from the generated tables).

#include <string>

namespace fd::unicode {

std::u32string toNfc(const std::u32string& text);

}  // namespace fd::unicode
