#include "text/bpe_word_cache.h"

namespace fd {

bool BpeWordCache::lookup(std::string_view word, std::vector<int64_t>& ids) const {
  if (word.size() > kMaxWordBytes) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(std::string(word));
  if (it == entries_.end()) return false;
  ids.insert(ids.end(), it->second.begin(), it->second.end());
  return true;
}

void BpeWordCache::store(std::string_view word, const int64_t* ids, size_t count) {
  if (word.size() > kMaxWordBytes) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_.emplace(std::string(word), std::vector<int64_t>(ids, ids + count));
}

size_t BpeWordCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace fd
