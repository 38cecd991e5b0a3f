#pragma once
// Per-word cache of BPE results (the reference keeps the same cache). Prompts
// repeat words constantly, so most words skip the merge loop entirely.
// Thread-safe; bounded so that a stream of unique words cannot grow it forever.

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fd {

class BpeWordCache {
 public:
  static constexpr size_t kMaxWordBytes = 64;   // longer words are rare and not worth keeping
  static constexpr size_t kMaxEntries = 65536;  // the whole cache is dropped when full

  // Appends the cached ids of `word` and returns true, or returns false.
  bool lookup(std::string_view word, std::vector<int64_t>& ids) const;
  void store(std::string_view word, const int64_t* ids, size_t count);
  size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::vector<int64_t>> entries_;
};

}  // namespace fd
