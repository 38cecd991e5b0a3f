#include "text/special_tokens.h"

#include <array>

namespace fd {

std::vector<SpecialTokenChunk> splitOnSpecialTokens(std::string_view text,
                                                    const std::vector<SpecialToken>& specials) {
  std::array<bool, 256> startsSpecial{};  // most bytes start no special token: skip them fast
  for (const SpecialToken& special : specials) {
    if (!special.text.empty()) startsSpecial[static_cast<unsigned char>(special.text[0])] = true;
  }
  std::vector<SpecialTokenChunk> chunks;
  size_t plainStart = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    if (!startsSpecial[static_cast<unsigned char>(text[pos])]) {
      ++pos;
      continue;
    }
    const SpecialToken* found = nullptr;
    for (const SpecialToken& special : specials) {
      if (special.text.empty() || text.compare(pos, special.text.size(), special.text) != 0)
        continue;
      if (!found || special.text.size() > found->text.size()) found = &special;
    }
    if (!found) {
      ++pos;
      continue;
    }
    if (pos > plainStart) chunks.push_back({text.substr(plainStart, pos - plainStart), -1});
    chunks.push_back({std::string_view(), found->id});
    pos += found->text.size();
    plainStart = pos;
  }
  if (text.size() > plainStart) chunks.push_back({text.substr(plainStart), -1});
  return chunks;
}

}  // namespace fd
