#include "hub/hub_progress.h"

#include <algorithm>

namespace fd::hub {

namespace {
constexpr double kWindowSeconds = 0.25;
constexpr double kSmoothing = 0.3;  // weight of the newest window
constexpr auto kEmitInterval = std::chrono::milliseconds(100);
}  // namespace

void ProgressTracker::stage(const std::string& stage) {
  p_.stage = stage;
  emit(true);
}

void ProgressTracker::totals(uint64_t bytesTotal, uint64_t bytesDone, size_t fileCount) {
  p_.bytesTotal = bytesTotal;
  p_.bytesDone = std::min(bytesDone, bytesTotal);
  p_.fileCount = fileCount;
}

void ProgressTracker::file(size_t index, const std::string& path) {
  p_.fileIndex = index;
  p_.file = path;
  emit(true);
}

void ProgressTracker::updateSpeed(std::chrono::steady_clock::time_point now) {
  if (!windowOpen_) {
    windowOpen_ = true;
    windowStart_ = now;
    windowBytes_ = 0;
    return;
  }
  const double seconds = std::chrono::duration<double>(now - windowStart_).count();
  if (seconds < kWindowSeconds) return;
  const double speed = double(windowBytes_) / seconds;
  p_.bytesPerSecond =
      p_.bytesPerSecond <= 0 ? speed : kSmoothing * speed + (1 - kSmoothing) * p_.bytesPerSecond;
  windowStart_ = now;
  windowBytes_ = 0;
}

void ProgressTracker::bytes(int64_t delta) {
  const auto now = std::chrono::steady_clock::now();
  if (delta >= 0) {
    updateSpeed(now);
    windowBytes_ += uint64_t(delta);
    p_.bytesDone = std::min(p_.bytesTotal, p_.bytesDone + uint64_t(delta));
  } else {
    p_.bytesDone -= std::min(p_.bytesDone, uint64_t(-delta));
  }
  const uint64_t left = p_.bytesTotal - p_.bytesDone;
  p_.etaSeconds = p_.bytesPerSecond > 0 ? double(left) / p_.bytesPerSecond : -1;
  emit(false);
}

void ProgressTracker::done() {
  p_.bytesDone = p_.bytesTotal;
  p_.etaSeconds = 0;
  p_.stage = "done";
  emit(true);
}

void ProgressTracker::emit(bool force) {
  if (!callback_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - lastEmit_ < kEmitInterval) return;
  lastEmit_ = now;
  callback_(p_);
}

}  // namespace fd::hub
