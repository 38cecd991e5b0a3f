#pragma once
// The CLIP ViT-L/14 tokenizer of FLUX.1, matching HF's slow CLIPTokenizer
// without ftfy (the reference in shared/golden/text/README.md) id for id:
// BasicTokenizer clean-up and lowercasing, the regex pre-tokenizer, byte-level
// BPE with "</w>", then [<|startoftext|>] + ids[:maxLength-2] + [<|endoftext|>]
// padded with <|endoftext|>.
//
// Input is UTF-8; invalid UTF-8 is a BadRequest error naming the byte offset
// (see text/utf8.h). Literal "<|startoftext|>" / "<|endoftext|>" in a prompt
// become those special ids, as in the reference (text/special_tokens.h).
// Copies share the loaded model and the word cache; encode() is thread-safe.

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "text/byte_bpe.h"
#include "text/special_tokens.h"
#include "text/tokenized_text.h"

namespace fd {

class ClipTokenizer {
 public:
  static constexpr int kDefaultMaxLength = 77;

  static Result<ClipTokenizer> fromFiles(const std::string& vocabJson,
                                         const std::string& mergesTxt);
  static Result<ClipTokenizer> fromFolder(const std::string& folder);  // vocab.json + merges.txt

  Result<TokenizedText> encode(const std::string& utf8, int maxLength = kDefaultMaxLength) const;

  int64_t startId() const { return startId_; }
  int64_t endId() const { return endId_; }  // also the padding and unknown id

 private:
  ClipTokenizer(ByteBpe bpe, int64_t startId, int64_t endId);
  void appendPlainTextIds(const std::u32string& text, std::vector<int64_t>& ids) const;

  ByteBpe bpe_;
  int64_t startId_;
  int64_t endId_;
  std::vector<SpecialToken> specials_;
};

}  // namespace fd
