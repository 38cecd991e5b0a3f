#pragma once
// Writing a file so that readers never see half of it, in one place for
// every writer (images, sidecars, safetensors, GGUF): the bytes go to
// `<path>.tmp-XXXXXXXX` in the same folder (a rename is atomic only within
// one file system), are flushed to disk (fsync), the temporary file is
// renamed to `path` and the folder is flushed so that the rename survives a
// crash. On any failure the temporary file is removed and `path` is left as
// it was. Errors are Io errors naming `path`; a full disk says so.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace fd {

// Every temporary file name contains this (folder scanners skip such files).
constexpr const char kAtomicTempMarker[] = ".tmp-";

// "<path>: cannot <action>: <strerror> (the disk is full)" as an Io error;
// the hint is added for ENOSPC and EDQUOT, the usual cause of failed writes.
Error fileWriteError(const std::string& action, const std::string& path, int errorNumber);

// A file written as a stream and published at the end.
class AtomicFile {
 public:
  // Creates the temporary file beside `path` (mode 0666 minus the umask).
  // Io error naming `path` when the folder is missing or not writable.
  static Result<AtomicFile> create(const std::string& path);
  ~AtomicFile();  // removes the temporary file unless published
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&& other) noexcept;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Appends bytes. After an error the temporary file is gone.
  Status write(const void* bytes, size_t count);
  // Appends `count` zero bytes (alignment padding).
  Status writeZeros(size_t count);
  uint64_t size() const { return written_; }

  // Flushes and renames over `path` (replacing any file there).
  Status commit();
  // For names that another writer may pick at the same moment (the image
  // library, shared by processes): publishes as `path` (a name in the same
  // folder) only if no file has that name, never replacing one. false: the
  // name is taken and nothing changed; call again with another name.
  Result<bool> commitAsNew(const std::string& path);

 private:
  AtomicFile() = default;
  Status flush();  // fsync + close, once
  void discard();  // closes and removes the temporary file
  std::string path_;
  std::string tempPath_;
  int fd_ = -1;
  bool pending_ = false;  // the temporary file exists and is ours to remove
  uint64_t written_ = 0;
};

// The whole buffer as one atomic write (create, write, commit).
Status writeFileAtomically(const std::string& path, const void* data, size_t size);

inline Status writeFileAtomically(const std::string& path, const std::vector<uint8_t>& bytes) {
  return writeFileAtomically(path, bytes.data(), bytes.size());
}
inline Status writeFileAtomically(const std::string& path, const std::string& text) {
  return writeFileAtomically(path, text.data(), text.size());
}

}  // namespace fd
