#pragma once
// The text clean-up of HF's slow CLIPTokenizer when ftfy is not installed:
// BasicTokenizer(do_lower_case=True, strip_accents=False,
// do_split_on_punc=False).tokenize(). See shared/golden/text/README.md, steps 2-5.

#include <string>
#include <vector>

namespace fd::clip_text {

// Returns the lowercased words of `text`:
//  1. deletes U+0000, U+FFFD and category C except \t \n \r; turns those three
//     and every Zs character into a space;
//  2. puts spaces around CJK ideographs;
//  3. NFC-normalizes;
//  4. splits on str.isspace() characters and lowercases each word as
//     Python's str.lower() does (final sigma judged within the word).
std::vector<std::u32string> basicTokenize(const std::u32string& text);

}  // namespace fd::clip_text
