#pragma once
// Writing to a non-blocking socket within a deadline: shared by the server's
// whole answers and the streamed ones (http_exchange.cpp). Internal to the
// HTTP server.

#include <atomic>
#include <chrono>
#include <string>

namespace fd::http {

// False when the peer is gone or the deadline passed; once `stopping` is
// set, at most two more seconds are given.
bool sendAll(int fd, const std::string& data, std::chrono::steady_clock::time_point deadline,
             const std::atomic<bool>& stopping);

}  // namespace fd::http
