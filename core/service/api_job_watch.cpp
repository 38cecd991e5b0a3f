#include "service/api_job_watch.h"

#include <algorithm>

namespace fd::api {

std::vector<int> partialImageSteps(int totalSteps, int partials) {
  std::vector<int> steps;
  const int before = totalSteps - 1;  // steps whose image is not the final one
  if (partials <= 0 || before <= 0) return steps;
  if (partials >= before) {
    for (int s = 1; s <= before; ++s) steps.push_back(s);
    return steps;
  }
  // Evenly spread: step round((j + 1) * total / (partials + 1)), kept in 1..before.
  for (int j = 0; j < partials; ++j) {
    int s = int((int64_t(j + 1) * totalSteps * 2 + (partials + 1)) / (2 * (partials + 1)));
    s = std::clamp(s, 1, before);
    if (steps.empty() || s > steps.back()) steps.push_back(s);
  }
  return steps;
}

void JobWatch::onProgress(const Progress& progress) {
  if (partials_ <= 0 || progress.stage != Stage::Denoising || !progress.preview) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (steps_.empty()) steps_ = partialImageSteps(progress.totalSteps, partials_);
    auto it = std::find(steps_.begin(), steps_.end(), progress.step);
    if (it == steps_.end()) return;
    pending_.push_back(Preview{int(it - steps_.begin()), progress.preview});
  }
  changed_.notify_all();
}

void JobWatch::onOutcome(const JobOutcome& outcome) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    outcome_ = outcome;
  }
  changed_.notify_all();
}

JobWatch::Update JobWatch::waitFor(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, duration,
                    [this] { return !pending_.empty() || (outcome_ && !outcomeTaken_); });
  Update update;
  update.previews.swap(pending_);
  if (outcome_ && !outcomeTaken_) {
    update.outcome = outcome_;
    outcomeTaken_ = true;
  }
  return update;
}

}  // namespace fd::api
