#pragma once
// The demo model's tokenizer files, made by the project itself from
// resources/demo/corpus.txt: a small CLIP-style byte-level BPE (vocab.json,
// merges.txt) and a T5-style SentencePiece unigram model (spiece.model).
// Both are deterministic: the same corpus gives the same bytes.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace fd {

struct BpeVocabulary {
  // In id order: the 256 byte symbols (GPT-2 bytes_to_unicode order), the
  // same with "</w>", one token per merge, then <|startoftext|> and
  // <|endoftext|> as the last two ids (CLIP pools at argmax(ids)).
  std::vector<std::string> tokens;
  std::vector<std::pair<std::string, std::string>> merges;  // in rank order
};

// Learns up to `mergeCount` merges (most frequent pair first, ties broken by
// the pair's text) over CLIP's pre-tokenization of the lower-cased corpus.
BpeVocabulary learnClipStyleBpe(std::string_view corpus, int mergeCount);

std::string clipVocabJson(const BpeVocabulary& vocabulary);   // vocab.json
std::string clipMergesText(const BpeVocabulary& vocabulary);  // merges.txt

// A unigram SentencePiece model with T5's special ids (pad 0, eos 1, unk 2,
// no bos), serialized as spiece.model. Trained single-threaded with a fixed
// seed so the bytes never change.
Result<std::string> trainDemoSentencePiece(std::string_view corpus, int vocabSize);

// Number of pieces in a serialized SentencePiece model (the T5 vocab size).
Result<int> sentencePieceSize(const std::string& serializedModel);

}  // namespace fd
