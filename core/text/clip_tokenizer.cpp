#include "text/clip_tokenizer.h"

#include <algorithm>
#include <climits>
#include <filesystem>

#include "text/clip_basic_tokenizer.h"
#include "text/clip_pretokenizer.h"
#include "text/clip_vocab_files.h"
#include "text/utf8.h"

namespace fd {

namespace {
const char kStartText[] = "<|startoftext|>";
const char kEndText[] = "<|endoftext|>";
}  // namespace

ClipTokenizer::ClipTokenizer(ByteBpe bpe, int64_t startId, int64_t endId)
    : bpe_(std::move(bpe)),
      startId_(startId),
      endId_(endId),
      specials_{{kStartText, startId}, {kEndText, endId}} {}

Result<ClipTokenizer> ClipTokenizer::fromFiles(const std::string& vocabJson,
                                               const std::string& mergesTxt) {
  Result<ByteBpeVocabulary> vocabulary = readClipVocabFiles(vocabJson, mergesTxt);
  if (!vocabulary) return vocabulary.error();
  const auto start = vocabulary->tokenIds.find(kStartText);
  const auto end = vocabulary->tokenIds.find(kEndText);
  if (start == vocabulary->tokenIds.end() || end == vocabulary->tokenIds.end()) {
    return makeError(ErrorKind::ModelInvalid,
                     vocabJson + " lacks the special tokens " + kStartText + " and " + kEndText);
  }
  const int64_t startId = start->second;
  const int64_t endId = end->second;
  Result<ByteBpe> bpe = ByteBpe::build(*vocabulary, /*unknownId=*/endId);
  if (!bpe) return makeError(bpe.error().kind, vocabJson + ": " + bpe.error().message);
  return ClipTokenizer(std::move(bpe).value(), startId, endId);
}

Result<ClipTokenizer> ClipTokenizer::fromFolder(const std::string& folder) {
  const std::filesystem::path root(folder);
  return fromFiles((root / "vocab.json").string(), (root / "merges.txt").string());
}

void ClipTokenizer::appendPlainTextIds(const std::u32string& text,
                                       std::vector<int64_t>& ids) const {
  std::vector<std::string> pretokens;
  for (const std::u32string& word : clip_text::basicTokenize(text)) {
    pretokens.clear();
    clip_text::splitPretokens(word, pretokens);
    for (const std::string& pretoken : pretokens) bpe_.encodeWord(pretoken, ids);
  }
}

Result<TokenizedText> ClipTokenizer::encode(const std::string& utf8, int maxLength) const {
  if (maxLength < 2 || maxLength > kMaxTokenizerLength) {
    return makeError(ErrorKind::BadRequest,
                     "the CLIP token limit must be between 2 (the start and end tokens) and " +
                         std::to_string(kMaxTokenizerLength) + ", not " +
                         std::to_string(maxLength));
  }
  // Validate the whole prompt first so that an error names its offset in the prompt.
  if (Status valid = unicode::validateUtf8(utf8); !valid) return valid.error();

  std::vector<int64_t> content;
  for (const SpecialTokenChunk& chunk : splitOnSpecialTokens(utf8, specials_)) {
    if (chunk.specialId >= 0) {
      content.push_back(chunk.specialId);
      continue;
    }
    Result<std::u32string> text = unicode::decodeUtf8(chunk.text);
    if (!text) return text.error();  // cannot happen after validation; kept as a guard
    appendPlainTextIds(*text, content);
  }

  const size_t kept = std::min(content.size(), static_cast<size_t>(maxLength - 2));
  TokenizedText out;
  out.ids.reserve(static_cast<size_t>(maxLength));
  out.ids.push_back(startId_);
  out.ids.insert(out.ids.end(), content.begin(),
                 content.begin() + static_cast<std::ptrdiff_t>(kept));
  out.ids.push_back(endId_);
  out.length = static_cast<int>(out.ids.size());
  out.untruncatedLength = static_cast<int>(std::min<size_t>(content.size() + 2, INT_MAX));
  out.truncated = content.size() > kept;
  out.tokens.reserve(out.ids.size());
  for (int64_t id : out.ids) out.tokens.push_back(bpe_.tokenText(id));
  out.ids.resize(static_cast<size_t>(maxLength), endId_);
  return out;
}

}  // namespace fd
