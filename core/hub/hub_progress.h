#pragma once
// Progress of a snapshot download for HubProgressCallback: bytes over the
// whole snapshot (cached files count as done), the transfer speed smoothed
// (an exponential moving average of 0.25 s windows) and the time left at
// that speed. Reports are throttled to ~10 a second, except stage and file
// changes. Torch-free, Qt-free.

#include <chrono>
#include <cstdint>
#include <string>

#include "hub/hub_download.h"

namespace fd::hub {

class ProgressTracker {
 public:
  explicit ProgressTracker(HubProgressCallback callback) : callback_(std::move(callback)) {}

  void stage(const std::string& stage);  // reported at once
  void totals(uint64_t bytesTotal, uint64_t bytesDone, size_t fileCount);
  void file(size_t index, const std::string& path);  // reported at once
  void bytes(int64_t delta);                         // transfer bytes (negative: thrown away)
  void done();

  const HubDownloadProgress& current() const { return p_; }

 private:
  void emit(bool force);
  void updateSpeed(std::chrono::steady_clock::time_point now);

  HubProgressCallback callback_;
  HubDownloadProgress p_;
  std::chrono::steady_clock::time_point lastEmit_{};
  std::chrono::steady_clock::time_point windowStart_{};
  uint64_t windowBytes_ = 0;
  bool windowOpen_ = false;
};

}  // namespace fd::hub
