#pragma once
// The server's budget for uploads (bodies Admit allows beyond the usual
// limit): what one request holds of it. Internal to the HTTP server.

#include <atomic>
#include <cstddef>

namespace fd::http {

class UploadReservation {
 public:
  UploadReservation() = default;
  UploadReservation(const UploadReservation&) = delete;
  UploadReservation& operator=(const UploadReservation&) = delete;
  ~UploadReservation() { release(); }

  bool reserve(std::atomic<size_t>& budget, size_t bytes, size_t limit) {
    release();
    size_t used = budget.load();
    do {
      if (used + bytes > limit) return false;
    } while (!budget.compare_exchange_weak(used, used + bytes));
    budget_ = &budget;
    bytes_ = bytes;
    return true;
  }
  void release() {
    if (budget_) budget_->fetch_sub(bytes_);
    budget_ = nullptr;
    bytes_ = 0;
  }

 private:
  std::atomic<size_t>* budget_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace fd::http
