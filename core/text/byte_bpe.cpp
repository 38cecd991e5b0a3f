#include "text/byte_bpe.h"

#include <algorithm>
#include <queue>

#include "text/bpe_word_cache.h"
#include "text/utf8.h"

namespace fd {

namespace {
const char kEndOfWord[] = "</w>";

uint64_t pairKey(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}
}  // namespace

std::array<std::string, 256> bytesToUnicode() {
  // Printable Latin-1 bytes stand for themselves; the other 68 bytes are
  // given the code points 256, 257, ... in byte order.
  std::array<std::string, 256> table;
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable =
        (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    unicode::appendUtf8(printable ? static_cast<char32_t>(b) : next++, table[b]);
  }
  return table;
}

struct ByteBpe::Model {
  struct Merge {
    int32_t rank;
    int32_t merged;
  };
  std::vector<std::string> symbolText;                 // interned symbol id -> text
  std::unordered_map<std::string, int32_t> symbolIds;  // text -> interned symbol id
  std::vector<int64_t> symbolVocabIds;                 // interned symbol id -> vocabulary id
  std::array<int32_t, 256> byteSymbol{};               // a byte inside a word
  std::array<int32_t, 256> byteEndSymbol{};            // a byte ending a word ("</w>" appended)
  std::unordered_map<uint64_t, Merge> merges;          // (left, right) -> rank and result
  std::vector<std::string> vocabText;                  // vocabulary id -> text

  int32_t intern(const std::string& text) {
    auto [it, inserted] = symbolIds.emplace(text, static_cast<int32_t>(symbolText.size()));
    if (inserted) symbolText.push_back(text);
    return it->second;
  }
};

ByteBpe::ByteBpe(std::shared_ptr<const Model> model, std::shared_ptr<BpeWordCache> cache)
    : model_(std::move(model)), cache_(std::move(cache)) {}

Result<ByteBpe> ByteBpe::build(const ByteBpeVocabulary& vocabulary, int64_t unknownId) {
  auto model = std::make_shared<Model>();

  constexpr int64_t kMaxVocabularyId = 10'000'000;  // far above any real BPE vocabulary
  int64_t maxId = -1;
  for (const auto& [text, id] : vocabulary.tokenIds) {
    if (id < 0 || id > kMaxVocabularyId) {
      return makeError(ErrorKind::ModelInvalid, "the BPE vocabulary gives '" + text + "' the id " +
                                                    std::to_string(id) + ", outside 0.." +
                                                    std::to_string(kMaxVocabularyId));
    }
    maxId = std::max(maxId, id);
  }
  model->vocabText.resize(static_cast<size_t>(maxId + 1));
  for (const auto& [text, id] : vocabulary.tokenIds) {
    if (!model->vocabText[static_cast<size_t>(id)].empty()) {
      return makeError(ErrorKind::ModelInvalid,
                       "the BPE vocabulary gives id " + std::to_string(id) + " to both '" +
                           model->vocabText[static_cast<size_t>(id)] + "' and '" + text + "'");
    }
    model->vocabText[static_cast<size_t>(id)] = text;
    model->intern(text);
  }

  const std::array<std::string, 256> byteText = bytesToUnicode();
  for (int b = 0; b < 256; ++b) {
    model->byteSymbol[b] = model->intern(byteText[b]);
    model->byteEndSymbol[b] = model->intern(byteText[b] + kEndOfWord);
  }

  model->merges.reserve(vocabulary.merges.size());
  for (size_t rank = 0; rank < vocabulary.merges.size(); ++rank) {
    const auto& [left, right] = vocabulary.merges[rank];
    const int32_t leftId = model->intern(left);
    const int32_t rightId = model->intern(right);
    const int32_t mergedId = model->intern(left + right);
    // A repeated pair keeps its last rank, as a Python dict built from the list does.
    model->merges[pairKey(leftId, rightId)] = Model::Merge{static_cast<int32_t>(rank), mergedId};
  }

  model->symbolVocabIds.resize(model->symbolText.size());
  for (size_t i = 0; i < model->symbolText.size(); ++i) {
    auto it = vocabulary.tokenIds.find(model->symbolText[i]);
    model->symbolVocabIds[i] = it != vocabulary.tokenIds.end() ? it->second : unknownId;
  }
  return ByteBpe(std::move(model), std::make_shared<BpeWordCache>());
}

void ByteBpe::encodeWord(std::string_view utf8Bytes, std::vector<int64_t>& ids) const {
  if (utf8Bytes.empty()) return;
  if (cache_->lookup(utf8Bytes, ids)) return;
  const size_t before = ids.size();
  encodeUncached(utf8Bytes, ids);
  cache_->store(utf8Bytes, ids.data() + before, ids.size() - before);
}

// The reference repeatedly merges every occurrence (left to right) of the
// present pair with the lowest rank. This does the same in O(n log n) for
// long words: a heap of candidate pairs ordered by (rank, position), a linked
// list of symbols, and stale candidates skipped when popped. All candidates of
// one rank are taken from the heap before any is applied, because applying
// them can create pairs of a lower rank that must wait until the whole round
// is done.
void ByteBpe::encodeUncached(std::string_view utf8Bytes, std::vector<int64_t>& ids) const {
  const Model& m = *model_;
  const size_t n = utf8Bytes.size();
  std::vector<int32_t> symbol(n);
  for (size_t i = 0; i < n; ++i) {
    const auto byte = static_cast<uint8_t>(utf8Bytes[i]);
    symbol[i] = (i + 1 == n) ? m.byteEndSymbol[byte] : m.byteSymbol[byte];
  }
  std::vector<int32_t> next(n), prev(n);
  for (size_t i = 0; i < n; ++i) {
    next[i] = (i + 1 < n) ? static_cast<int32_t>(i + 1) : -1;
    prev[i] = static_cast<int32_t>(i) - 1;
  }

  struct Candidate {
    int32_t rank;
    int32_t position;  // the left symbol's index
    int32_t left;
    int32_t right;
    int32_t merged;
    bool operator>(const Candidate& other) const {
      return rank != other.rank ? rank > other.rank : position > other.position;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> heap;
  const auto pushCandidate = [&](int32_t position) {
    const int32_t right = next[position];
    if (right < 0) return;
    auto it = m.merges.find(pairKey(symbol[position], symbol[right]));
    if (it != m.merges.end())
      heap.push({it->second.rank, position, symbol[position], symbol[right], it->second.merged});
  };
  for (size_t i = 0; i + 1 < n; ++i) pushCandidate(static_cast<int32_t>(i));

  std::vector<Candidate> round;
  while (!heap.empty()) {
    const int32_t rank = heap.top().rank;
    round.clear();
    while (!heap.empty() && heap.top().rank == rank) {
      round.push_back(heap.top());
      heap.pop();
    }
    for (const Candidate& c : round) {  // ascending position = the reference's left-to-right scan
      const int32_t right = next[c.position];
      if (symbol[c.position] != c.left || right < 0 || symbol[right] != c.right) continue;  // stale
      symbol[c.position] = c.merged;
      symbol[right] = -1;
      next[c.position] = next[right];
      if (next[right] >= 0) prev[next[right]] = c.position;
      if (prev[c.position] >= 0) pushCandidate(prev[c.position]);
      pushCandidate(c.position);
    }
  }
  for (int32_t i = 0; i >= 0; i = next[i])
    ids.push_back(m.symbolVocabIds[static_cast<size_t>(symbol[i])]);
}

const std::string& ByteBpe::tokenText(int64_t id) const {
  static const std::string kEmpty;
  if (id < 0 || static_cast<size_t>(id) >= model_->vocabText.size()) return kEmpty;
  return model_->vocabText[static_cast<size_t>(id)];
}

size_t ByteBpe::vocabularySize() const { return model_->vocabText.size(); }
size_t ByteBpe::mergeCount() const { return model_->merges.size(); }

}  // namespace fd
