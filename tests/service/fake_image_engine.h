#pragma once
// An ImageEngine for tests of the service layer: no model, images made from
// the seed in microseconds, with knobs for timing (step delay), blocking
// (a gate the test opens), failures, and a record of what it ran and on
// which thread.

#include <QThread>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "service/image_engine.h"

namespace fd::test {

class FakeImageEngine : public ImageEngine {
 public:
  FakeImageEngine();

  Result<GenerationResult> generate(const GenerationRequest& request,
                                    const ProgressCallback& progress,
                                    const CancelCheck& cancel) override;
  Status validate(const GenerationRequest& request) const override;
  ModelInfo info() const override;

  // Knobs (set before submitting).
  std::atomic<int> stepDelayMs{0};
  std::atomic<bool> failNext{false};  // the next generate returns an Internal error

  // While closed, generate() blocks before its first step until open() (or
  // until cancelled). Open by default.
  void close();
  void open();
  // Waits until a generate() call is blocked at the closed gate.
  bool waitUntilBlocked(int timeoutMs);

  // What ran, in order (prompts), and on which threads.
  std::vector<std::string> ranPrompts() const;
  std::vector<QThread*> ranOnThreads() const;
  int calls() const;

  // The pixel an image of `seed` has at (x, y), channel c: tests check
  // decoded files against it.
  static uint8_t pixel(uint64_t seed, int x, int y, int c);

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool gateOpen_ = true;
  bool blocked_ = false;
  std::vector<std::string> prompts_;
  std::vector<QThread*> threads_;
};

}  // namespace fd::test
