#pragma once
// Writing a file so that readers never see half of it: the bytes go to a
// temporary file in the same folder, are flushed to disk (fsync), and the
// temporary file is renamed over the target. Torch-free.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace fd {

// Io error naming the path and the reason (e.g. "No space left on device")
// on failure; the temporary file is removed in every case.
Status writeFileAtomically(const std::string& path, const void* data, size_t size);

inline Status writeFileAtomically(const std::string& path, const std::vector<uint8_t>& bytes) {
  return writeFileAtomically(path, bytes.data(), bytes.size());
}
inline Status writeFileAtomically(const std::string& path, const std::string& text) {
  return writeFileAtomically(path, text.data(), text.size());
}

}  // namespace fd
