#pragma once
// What an HTTP handler thread waiting on a queued job sees of it: the
// latent previews of the steps it asked for (partial images of a streamed
// answer) as they come from the queue's worker, then the outcome. The
// worker only stores; the handler thread does the encoding, so a slow
// client never slows the engine.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "pipeline/pipeline.h"
#include "service/job_types.h"

namespace fd::api {

// The steps after which a stream sends partial images: `partials` of the
// steps before the last, spread evenly (the last step's image is the final
// one). Fewer when there are fewer such steps, as OpenAI allows.
std::vector<int> partialImageSteps(int totalSteps, int partials);

class JobWatch {
 public:
  explicit JobWatch(int partialImages) : partials_(partialImages) {}

  // Worker thread (JobQueue's listener and completion).
  void onProgress(const Progress& progress);
  void onOutcome(const JobOutcome& outcome);

  struct Preview {
    int index = 0;  // partial_image_index: 0, 1, ... in step order
    std::shared_ptr<const LatentPreview> images;
  };
  struct Update {
    std::vector<Preview> previews;      // new since the last call
    std::optional<JobOutcome> outcome;  // once the job has ended
  };
  // Waits up to `duration` for something new.
  Update waitFor(std::chrono::milliseconds duration);

 private:
  int partials_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<int> steps_;  // chosen at the first denoising report
  std::vector<Preview> pending_;
  std::optional<JobOutcome> outcome_;
  bool outcomeTaken_ = false;
};

}  // namespace fd::api
