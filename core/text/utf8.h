#pragma once
// Strict UTF-8 decoding and encoding for prompts.
//
// Prompts reach the tokenizers as bytes; the reference tokenizers take Python
// str, which cannot hold invalid UTF-8. Rather than guess (U+FFFD replacement
// would silently change the prompt, and CLIP's clean-up even deletes U+FFFD),
// invalid input is rejected with a BadRequest error that names the byte
// offset: stray continuation bytes, truncated sequences, overlong encodings,
// UTF-16 surrogates (U+D800..U+DFFF) and values above U+10FFFF.

#include <string>
#include <string_view>

#include "common/result.h"

namespace fd::unicode {

// Decodes `bytes`; `what` names the input in the error ("prompt").
Result<std::u32string> decodeUtf8(std::string_view bytes, const char* what = "prompt");

// Checks `bytes` without decoding them.
Status validateUtf8(std::string_view bytes, const char* what = "prompt");

// Appends the UTF-8 encoding of a valid scalar value.
void appendUtf8(char32_t codePoint, std::string& out);
std::string encodeUtf8(std::u32string_view text);

}  // namespace fd::unicode
