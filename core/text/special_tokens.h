#pragma once
// Literal special-token text in a prompt. Both reference tokenizers (HF slow
// tokenizers) cut the text at every exact, case-sensitive occurrence of a
// special token's text and emit that token's id there, tokenizing the pieces
// in between on their own. This mirrors that, so a prompt containing
// "<|endoftext|>" or "</s>" gets the special id, as it does in every FLUX
// pipeline built on those tokenizers.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fd {

struct SpecialToken {
  std::string text;
  int64_t id = 0;
};

struct SpecialTokenChunk {
  std::string_view text;  // plain text when specialId < 0 (never empty)
  int64_t specialId = -1;
};

// Splits `text` at the special tokens; among tokens starting at the same
// byte, the longest wins. The chunks view `text`.
std::vector<SpecialTokenChunk> splitOnSpecialTokens(std::string_view text,
                                                    const std::vector<SpecialToken>& specials);

}  // namespace fd
