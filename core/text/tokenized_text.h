#pragma once
// The output of a tokenizer, padded and truncated as the FLUX pipelines ask.

#include <cstdint>
#include <string>
#include <vector>

namespace fd {

// The largest maxLength a tokenizer accepts (the models use 77 and 256/512);
// it only bounds the padded output a caller can make us allocate.
constexpr int kMaxTokenizerLength = 1 << 20;

struct TokenizedText {
  std::vector<int64_t> ids;   // exactly maxLength ids, padding included
  int length = 0;             // ids before the padding, special tokens included
  int untruncatedLength = 0;  // what `length` would be with no length limit
  bool truncated = false;     // untruncatedLength > maxLength: text was dropped from the right
  // text of ids[0..length) (BPE alphabet / SentencePiece pieces), for display
  std::vector<std::string> tokens;
};

}  // namespace fd
