#pragma once
// The pre-tokenizer of HF's CLIPTokenizer: the `regex` pattern
//   <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
// with IGNORECASE, written out by hand. It runs on one lowercased word of
// clip_text::basicTokenize (words hold no whitespace, and no alternative can
// match across a space, so splitting per word gives the same matches).

#include <string>
#include <vector>

namespace fd::clip_text {

// Appends the UTF-8 bytes of each match in `word`, in order.
void splitPretokens(const std::u32string& word, std::vector<std::string>& pretokens);

}  // namespace fd::clip_text
