#include "naive_clip_bpe.h"

#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "support/test_paths.h"

namespace fd::test {

namespace {
std::string utf8Of(uint32_t cp) {  // code points < 0x800 only, all the byte alphabet needs
  std::string out;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return out;
}
}  // namespace

NaiveClipBpe::NaiveClipBpe(const std::filesystem::path& folder) {
  const nlohmann::json vocab = nlohmann::json::parse(readTextFile(folder / "vocab.json"));
  for (auto it = vocab.begin(); it != vocab.end(); ++it)
    vocab_[it.key()] = it.value().get<int64_t>();

  std::istringstream merges(readTextFile(folder / "merges.txt"));
  std::string line;
  std::getline(merges, line);  // "#version: 0.2"
  std::string left, right;
  while (merges >> left >> right) ranks_.emplace(std::make_pair(left, right), ranks_.size());

  // bytes_to_unicode, written out from its definition.
  uint32_t extra = 256;
  for (uint32_t b = 0; b < 256; ++b) {
    const bool kept = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    byteText_[b] = utf8Of(kept ? b : extra++);
  }
}

std::vector<int64_t> NaiveClipBpe::encodePretoken(const std::string& utf8) const {
  std::vector<std::string> word;
  for (unsigned char b : utf8) word.push_back(byteText_[b]);
  word.back() += "</w>";
  while (word.size() > 1) {
    size_t bestRank = std::numeric_limits<size_t>::max();
    std::pair<std::string, std::string> best;
    for (size_t i = 0; i + 1 < word.size(); ++i) {
      auto it = ranks_.find({word[i], word[i + 1]});
      if (it != ranks_.end() && it->second < bestRank) {
        bestRank = it->second;
        best = it->first;
      }
    }
    if (bestRank == std::numeric_limits<size_t>::max()) break;
    std::vector<std::string> merged;
    for (size_t i = 0; i < word.size();) {
      if (i + 1 < word.size() && word[i] == best.first && word[i + 1] == best.second) {
        merged.push_back(word[i] + word[i + 1]);
        i += 2;
      } else {
        merged.push_back(word[i]);
        i += 1;
      }
    }
    word = std::move(merged);
  }
  std::vector<int64_t> ids;
  for (const std::string& symbol : word) {
    auto it = vocab_.find(symbol);
    ids.push_back(it != vocab_.end() ? it->second : vocab_.at("<|endoftext|>"));
  }
  return ids;
}

std::vector<int64_t> NaiveClipBpe::encodePretokens(
    const std::vector<std::string>& pretokens) const {
  std::vector<int64_t> ids;
  for (const std::string& pretoken : pretokens) {
    const std::vector<int64_t> part = encodePretoken(pretoken);
    ids.insert(ids.end(), part.begin(), part.end());
  }
  return ids;
}

}  // namespace fd::test
