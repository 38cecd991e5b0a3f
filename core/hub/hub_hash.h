#pragma once
// sha256 of downloaded files (OpenSSL's EVP), fed incrementally so a
// download is checked as its bytes arrive. Torch-free, Qt-free.

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"

namespace fd::hub {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void reset();
  void update(const void* data, size_t size);
  // Lower-case hex of everything fed since the last reset (the state is reset after).
  std::string hexDigest();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Feeds the first `bytes` bytes of a file into `hash` (Io error naming the file otherwise).
Status hashFilePrefix(const std::string& path, uint64_t bytes, Sha256& hash);

}  // namespace fd::hub
