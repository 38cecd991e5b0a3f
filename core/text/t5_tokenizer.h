#pragma once
// The T5 v1.1 tokenizer of FLUX.1 (HF slow T5Tokenizer, legacy=True):
// sentencepiece's own encode on the model's normalizer, then
// pieces[:maxLength-1] + [</s>] padded with <pad> (256 for schnell, 512 for dev).
//
// Input is UTF-8; invalid UTF-8 is a BadRequest error naming the byte offset.
// Literal "</s>", "<pad>", "<unk>" and "<extra_id_0>".."<extra_id_99>" become
// their special ids, as in the reference (text/special_tokens.h); as there,
// no second </s> is appended when the kept ids already end with one.
// Copies share the loaded processor; encode() is thread-safe.

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "text/special_tokens.h"
#include "text/tokenized_text.h"

namespace fd {

class SentencePieceModel;  // text/sentencepiece_library.h

class T5Tokenizer {
 public:
  static constexpr int kDefaultMaxLength = 256;
  static constexpr int kExtraIdCount =
      100;  // <extra_id_0..99>, ids after the sentencepiece vocabulary

  static Result<T5Tokenizer> fromModelFile(const std::string& spieceModel);

  Result<TokenizedText> encode(const std::string& utf8, int maxLength = kDefaultMaxLength) const;

  int64_t padId() const { return padId_; }
  int64_t endId() const { return endId_; }
  int64_t vocabularySize() const { return pieceCount_ + kExtraIdCount; }

 private:
  T5Tokenizer() = default;
  std::string pieceText(int64_t id) const;

  std::shared_ptr<const SentencePieceModel> processor_;
  int64_t pieceCount_ = 0;
  int64_t padId_ = 0;
  int64_t endId_ = 1;
  std::vector<SpecialToken> specials_;
};

}  // namespace fd
