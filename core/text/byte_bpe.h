#pragma once
// Byte-level BPE as CLIP uses it (GPT-2's byte alphabet, "</w>" marking the
// end of a word, merges applied lowest rank first).
//
// Symbols are interned as integers when the model is built, so encoding a
// word never concatenates strings: a merge is a lookup of the pair
// (left id, right id) -> (rank, merged id). Results are cached per word.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.h"

namespace fd {

// GPT-2's bytes_to_unicode: the UTF-8 text of the printable character that
// stands for each byte value.
std::array<std::string, 256> bytesToUnicode();

struct ByteBpeVocabulary {
  std::unordered_map<std::string, int64_t> tokenIds;        // vocab.json
  std::vector<std::pair<std::string, std::string>> merges;  // in rank order
};

class BpeWordCache;

class ByteBpe {
 public:
  // `unknownId` is used for symbols that are not in the vocabulary (the
  // reference maps them to its unk token; with CLIP's files none occur).
  static Result<ByteBpe> build(const ByteBpeVocabulary& vocabulary, int64_t unknownId);

  // Appends the ids of one pre-token given as raw UTF-8 bytes (non-empty).
  void encodeWord(std::string_view utf8Bytes, std::vector<int64_t>& ids) const;

  // Text of a vocabulary id (GPT-2 alphabet), empty for an unknown id.
  const std::string& tokenText(int64_t id) const;
  size_t vocabularySize() const;
  size_t mergeCount() const;

 private:
  struct Model;
  ByteBpe(std::shared_ptr<const Model> model, std::shared_ptr<BpeWordCache> cache);
  void encodeUncached(std::string_view utf8Bytes, std::vector<int64_t>& ids) const;

  std::shared_ptr<const Model> model_;   // immutable after build: shared by copies
  std::shared_ptr<BpeWordCache> cache_;  // thread-safe, shared by copies
};

}  // namespace fd
