#pragma once
// A weights file written as a stream but published atomically: the bytes go
// to `<path>.tmp-XXXXXX` beside the target, which is fsynced and renamed over
// `path` by commit(); dropping the object before commit() removes the
// temporary file. The safetensors and GGUF writers share it so that there is
// one temp/fsync/rename rule in the torch-free file layer (the engine's
// pipeline/atomic_file.h does the same for whole in-memory buffers).

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/result.h"

namespace fd {

class AtomicStreamFile {
 public:
  // Creates the temporary file (mode 0666 minus the umask). Io error naming
  // `path` when the folder is missing, not writable, ...
  static Result<AtomicStreamFile> create(const std::string& path);
  ~AtomicStreamFile();
  AtomicStreamFile(AtomicStreamFile&& other) noexcept;
  AtomicStreamFile& operator=(AtomicStreamFile&& other) noexcept;
  AtomicStreamFile(const AtomicStreamFile&) = delete;
  AtomicStreamFile& operator=(const AtomicStreamFile&) = delete;

  // Appends bytes; Io error naming the path (disk full, ...).
  Status write(const uint8_t* bytes, size_t count);
  // Appends `count` zero bytes (alignment padding).
  Status writeZeros(size_t count);
  // Bytes written so far.
  uint64_t size() const { return written_; }
  // fsync, close and rename into place. After an error the temporary file
  // is gone and nothing appeared under `path`.
  Status commit();

 private:
  AtomicStreamFile() = default;
  void discard();
  std::string path_;
  std::string tempPath_;
  int fd_ = -1;
  uint64_t written_ = 0;
};

}  // namespace fd
