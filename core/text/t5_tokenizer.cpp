#include "text/t5_tokenizer.h"

#include <algorithm>
#include <climits>
#include <filesystem>

#include "text/sentencepiece_library.h"
#include "text/utf8.h"

namespace fd {

Result<T5Tokenizer> T5Tokenizer::fromModelFile(const std::string& spieceModel) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(spieceModel, ec)) {
    return makeError(ErrorKind::ModelMissing,
                     "the T5 tokenizer model (spiece.model) was not found at " + spieceModel);
  }
  auto loaded = SentencePieceModel::fromFile(spieceModel);
  if (!loaded.ok())
    return loaded.error();  // ModelInvalid: "<path> is not a sentencepiece model: ..."
  std::shared_ptr<const SentencePieceModel> processor = std::move(loaded.value());
  if (processor->eosId() < 0 || processor->padId() < 0) {
    return makeError(ErrorKind::ModelInvalid,
                     spieceModel + " has no </s> or <pad> piece, which T5 needs");
  }
  T5Tokenizer tokenizer;
  tokenizer.pieceCount_ = processor->pieceSize();
  tokenizer.padId_ = processor->padId();
  tokenizer.endId_ = processor->eosId();
  for (int id : {processor->eosId(), processor->unkId(), processor->padId()}) {
    if (id >= 0) tokenizer.specials_.push_back({processor->idToPiece(id), id});
  }
  // As HF: <extra_id_N> is the id vocabularySize - 1 - N.
  for (int n = 0; n < kExtraIdCount; ++n) {
    tokenizer.specials_.push_back(
        {"<extra_id_" + std::to_string(n) + ">", tokenizer.vocabularySize() - 1 - n});
  }
  tokenizer.processor_ = std::move(processor);
  return tokenizer;
}

std::string T5Tokenizer::pieceText(int64_t id) const {
  if (id >= 0 && id < pieceCount_) return processor_->idToPiece(static_cast<int>(id));
  return "<extra_id_" + std::to_string(vocabularySize() - 1 - id) + ">";
}

Result<TokenizedText> T5Tokenizer::encode(const std::string& utf8, int maxLength) const {
  if (maxLength < 1 || maxLength > kMaxTokenizerLength) {
    return makeError(ErrorKind::BadRequest,
                     "the T5 token limit must be between 1 (the end token) and " +
                         std::to_string(kMaxTokenizerLength) + ", not " +
                         std::to_string(maxLength));
  }
  if (Status valid = unicode::validateUtf8(utf8); !valid) return valid.error();

  std::vector<int64_t> content;
  std::vector<int> pieceIds;
  for (const SpecialTokenChunk& chunk : splitOnSpecialTokens(utf8, specials_)) {
    if (chunk.specialId >= 0) {
      content.push_back(chunk.specialId);
      continue;
    }
    pieceIds.clear();
    if (Status encoded = processor_->encode(chunk.text, pieceIds); !encoded) return encoded.error();
    content.insert(content.end(), pieceIds.begin(), pieceIds.end());
  }

  // HF appends </s> unless the ids already end with it, after cutting the
  // content to maxLength - 1 ids when the whole would not fit.
  const auto endsWithEnd = [&](size_t count) { return count > 0 && content[count - 1] == endId_; };
  const size_t untruncated = content.size() + (endsWithEnd(content.size()) ? 0 : 1);
  TokenizedText out;
  out.truncated = untruncated > static_cast<size_t>(maxLength);
  const size_t kept = out.truncated ? static_cast<size_t>(maxLength - 1) : content.size();
  out.ids.assign(content.begin(), content.begin() + static_cast<std::ptrdiff_t>(kept));
  if (!endsWithEnd(kept)) out.ids.push_back(endId_);
  out.length = static_cast<int>(out.ids.size());
  out.untruncatedLength =
      static_cast<int>(std::min<size_t>(untruncated, static_cast<size_t>(INT_MAX)));
  out.tokens.reserve(out.ids.size());
  for (int64_t id : out.ids) out.tokens.push_back(pieceText(id));
  out.ids.resize(static_cast<size_t>(maxLength), padId_);
  return out;
}

}  // namespace fd
