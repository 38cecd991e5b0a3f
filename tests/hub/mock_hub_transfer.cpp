// The bytes of a file as the hub and the CDN send them: Range requests and
// the test knobs that cut, stall, corrupt or throttle a transfer.

#include <algorithm>
#include <thread>

#include "mock_hub_impl.h"
#include "mock_hub_wire.h"

namespace fd::test {

using namespace hub_wire;  // the mock hub's own helpers

void MockHub::Impl::serveBytes(const httplib::Request& req, httplib::Response& res, const File& f) {
  res.set_header("Accept-Ranges", "bytes");
  const std::string& bytes = f.file.bytes;
  if (!req.ranges.empty()) {
    const auto [first, last] = req.ranges.front();
    if (first >= 0 && static_cast<size_t>(first) >= bytes.size()) {
      res.status = 416;
      res.set_header("Content-Range", "bytes */" + std::to_string(bytes.size()));
      return;
    }
    (void)last;
  }
  if (bytes.empty()) {
    res.status = 200;
    res.set_content("", "application/octet-stream");
    return;
  }
  res.status = req.ranges.empty() ? 200 : 206;
  if (req.method == "HEAD") {
    res.set_content_provider(bytes.size(), "application/octet-stream",
                             [](size_t, size_t, httplib::DataSink&) { return false; });
    return;
  }
  std::string served = bytes;
  uint64_t cutAfter = UINT64_MAX;
  uint64_t bps = 0;
  uint64_t stallAfter = UINT64_MAX;
  std::chrono::milliseconds stallFor{0};
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (corrupt.count(f.file.path))
      served[served.size() / 2] = static_cast<char>(served[served.size() / 2] ^ 0x5a);
    if (auto it = cuts.find(f.file.path); it != cuts.end()) {
      cutAfter = it->second;
      cuts.erase(it);
    }
    bps = throttle;
    if (auto it = stalls.find(f.file.path); it != stalls.end()) {
      stallAfter = it->second.first;
      stallFor = it->second.second;
      stalls.erase(it);
    }
  }
  auto written = std::make_shared<uint64_t>(0);
  auto content = std::make_shared<std::string>(std::move(served));
  res.set_content_provider(
      content->size(), "application/octet-stream",
      [this, content, written, cutAfter, bps, stallAfter, stallFor](size_t offset, size_t length,
                                                                    httplib::DataSink& sink) {
        size_t chunk =
            std::min<size_t>(length, bps ? std::max<uint64_t>(1024, bps / 20) : 64 * 1024);
        if (cutAfter != UINT64_MAX) {
          if (*written >= cutAfter) return false;  // close the connection mid-body
          chunk = static_cast<size_t>(std::min<uint64_t>(chunk, cutAfter - *written));
        }
        if (stallAfter != UINT64_MAX) {
          if (*written == stallAfter) {
            for (auto until = std::chrono::steady_clock::now() + stallFor;
                 std::chrono::steady_clock::now() < until && !stopping;)
              std::this_thread::sleep_for(std::chrono::milliseconds(10));
          } else if (*written < stallAfter) {
            chunk = static_cast<size_t>(std::min<uint64_t>(chunk, stallAfter - *written));
          }
        }
        if (bps) std::this_thread::sleep_for(std::chrono::microseconds(chunk * 1000000ull / bps));
        // Counted before they leave: a client that has them sees them counted.
        contentBytes += chunk;
        if (!sink.write(content->data() + offset, chunk)) return false;
        *written += chunk;
        return true;
      });
}

}  // namespace fd::test
