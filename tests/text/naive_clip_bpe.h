#pragma once
// A deliberately naive, string-based transcription of the reference BPE loop
// (HF CLIPTokenizer.bpe): find the present pair of lowest rank, merge all its
// occurrences left to right, repeat. An independent oracle for the fast
// integer/heap implementation in core/text/byte_bpe.cpp. Test-only; slow.

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace fd::test {

class NaiveClipBpe {
 public:
  explicit NaiveClipBpe(
      const std::filesystem::path& folder);  // vocab.json + merges.txt; throws on error

  // The vocabulary ids of one pre-token (raw UTF-8 bytes).
  std::vector<int64_t> encodePretoken(const std::string& utf8) const;
  // The same for several pre-tokens, concatenated.
  std::vector<int64_t> encodePretokens(const std::vector<std::string>& pretokens) const;
  int64_t id(const std::string& token) const { return vocab_.at(token); }

 private:
  std::unordered_map<std::string, int64_t> vocab_;
  std::map<std::pair<std::string, std::string>, size_t> ranks_;
  std::array<std::string, 256> byteText_;
};

}  // namespace fd::test
