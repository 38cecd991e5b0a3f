#include "demo/demo_tokenizers.h"

#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "text/sentencepiece_library.h"

namespace fd {

namespace {

// GPT-2 / CLIP bytes_to_unicode: printable Latin-1 bytes map to themselves,
// the others to U+0100 onwards. Returned in the vocabulary's order.
std::vector<std::pair<int, std::string>> byteSymbolsInVocabOrder() {
  std::vector<int> bytes;
  for (int b = '!'; b <= '~'; ++b) bytes.push_back(b);
  for (int b = 0xa1; b <= 0xac; ++b) bytes.push_back(b);
  for (int b = 0xae; b <= 0xff; ++b) bytes.push_back(b);
  std::vector<int> codepoints = bytes;
  std::set<int> printable(bytes.begin(), bytes.end());
  int extra = 0;
  for (int b = 0; b < 256; ++b) {
    if (printable.count(b)) continue;
    bytes.push_back(b);
    codepoints.push_back(256 + extra++);
  }
  std::vector<std::pair<int, std::string>> out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    int cp = codepoints[i];
    std::string utf8;
    if (cp < 0x80) {
      utf8.push_back(static_cast<char>(cp));
    } else {
      utf8.push_back(static_cast<char>(0xc0 | (cp >> 6)));
      utf8.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
    out.emplace_back(bytes[i], utf8);
  }
  return out;
}

// CLIP's pre-tokenization, enough for an ASCII corpus: contractions, runs
// of letters, single digits, runs of other non-space characters.
std::vector<std::string> preTokenize(std::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  auto isLetter = [](unsigned char c) { return std::isalpha(c) || c >= 0x80; };
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (std::isspace(c)) {
      ++i;
      continue;
    }
    size_t start = i;
    if (c == '\'' && i + 1 < text.size()) {
      static const char* kContractions[] = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
      bool matched = false;
      for (const char* k : kContractions) {
        std::string_view kv(k);
        if (text.substr(i, kv.size()) == kv) {
          words.emplace_back(kv);
          i += kv.size();
          matched = true;
          break;
        }
      }
      if (matched) continue;
    }
    if (isLetter(c)) {
      while (i < text.size() && isLetter(static_cast<unsigned char>(text[i]))) ++i;
    } else if (std::isdigit(c)) {
      ++i;
    } else {
      while (i < text.size()) {
        unsigned char d = static_cast<unsigned char>(text[i]);
        if (std::isspace(d) || isLetter(d) || std::isdigit(d)) break;
        ++i;
      }
    }
    words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

std::string lowerCase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> nonEmptyLines(std::string_view corpus) {
  std::vector<std::string> lines;
  size_t position = 0;
  while (position < corpus.size()) {
    size_t end = corpus.find('\n', position);
    if (end == std::string_view::npos) end = corpus.size();
    if (end > position) lines.emplace_back(corpus.substr(position, end - position));
    position = end + 1;
  }
  return lines;
}

}  // namespace

BpeVocabulary learnClipStyleBpe(std::string_view corpus, int mergeCount) {
  BpeVocabulary vocabulary;
  std::map<int, std::string> symbolOfByte;
  for (const auto& [byte, symbol] : byteSymbolsInVocabOrder()) {
    symbolOfByte[byte] = symbol;
    vocabulary.tokens.push_back(symbol);
  }
  for (const auto& [byte, symbol] : byteSymbolsInVocabOrder())
    vocabulary.tokens.push_back(symbol + "</w>");
  std::set<std::string> known(vocabulary.tokens.begin(), vocabulary.tokens.end());

  // Each distinct word as its symbol sequence (last symbol marked </w>).
  std::map<std::string, int> wordCounts;
  for (const auto& word : preTokenize(lowerCase(corpus))) ++wordCounts[word];
  std::vector<std::pair<std::vector<std::string>, int>> words;
  for (const auto& [word, count] : wordCounts) {
    std::vector<std::string> symbols;
    for (unsigned char c : word) symbols.push_back(symbolOfByte[c]);
    symbols.back() += "</w>";
    words.emplace_back(std::move(symbols), count);
  }

  for (int m = 0; m < mergeCount; ++m) {
    std::map<std::pair<std::string, std::string>, int> pairCounts;
    for (const auto& [symbols, count] : words)
      for (size_t i = 0; i + 1 < symbols.size(); ++i)
        pairCounts[{symbols[i], symbols[i + 1]}] += count;
    // Most frequent pair whose merged text is new; std::map order breaks ties.
    const std::pair<std::string, std::string>* best = nullptr;
    int bestCount = 1;
    for (const auto& [pair, count] : pairCounts) {
      if (count > bestCount && !known.count(pair.first + pair.second)) {
        best = &pair;
        bestCount = count;
      }
    }
    if (!best) break;
    const auto merge = *best;
    const std::string merged = merge.first + merge.second;
    for (auto& entry : words) {
      auto& symbols = entry.first;
      std::vector<std::string> next;
      for (size_t i = 0; i < symbols.size(); ++i) {
        if (i + 1 < symbols.size() && symbols[i] == merge.first && symbols[i + 1] == merge.second) {
          next.push_back(merged);
          ++i;
        } else {
          next.push_back(symbols[i]);
        }
      }
      symbols = std::move(next);
    }
    vocabulary.merges.push_back(merge);
    vocabulary.tokens.push_back(merged);
    known.insert(merged);
  }
  vocabulary.tokens.push_back("<|startoftext|>");
  vocabulary.tokens.push_back("<|endoftext|>");
  return vocabulary;
}

std::string clipVocabJson(const BpeVocabulary& vocabulary) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (size_t id = 0; id < vocabulary.tokens.size(); ++id) j[vocabulary.tokens[id]] = id;
  return j.dump();
}

std::string clipMergesText(const BpeVocabulary& vocabulary) {
  std::string text = "#version: 0.2\n";
  for (const auto& [a, b] : vocabulary.merges) text += a + " " + b + "\n";
  return text;
}

Result<std::string> trainDemoSentencePiece(std::string_view corpus, int vocabSize) {
  // Single-threaded, no sampling or shuffling of sentences, fixed seed: the
  // same corpus gives the same model bytes.
  const std::string args = "--model_type=unigram --vocab_size=" + std::to_string(vocabSize) +
                           " --character_coverage=1.0 --pad_id=0 --eos_id=1 --unk_id=2 --bos_id=-1"
                           " --num_threads=1 --input_sentence_size=0 --shuffle_input_sentence=false"
                           " --max_sentencepiece_length=12 --minloglevel=2";
  return trainSentencePiece(args, nonEmptyLines(corpus), 20240501u);
}

Result<int> sentencePieceSize(const std::string& serializedModel) {
  auto model = SentencePieceModel::fromSerialized(serializedModel);
  if (!model) return model.error();
  return (*model)->pieceSize();
}

}  // namespace fd
