#pragma once
// The one place where images are made: every request (GUI, HTTP API, CLI)
// becomes a job in this queue, run one at a time by QtConcurrent on a
// private one-thread pool, so the GUI thread never waits on the model.
//
// Threads: submit(), cancel() and the accessors may be called from any
// thread (the HTTP server calls them from its own). The engine runs on the
// worker thread. Every signal is emitted on the thread that owns the queue
// (the GUI thread), through its event loop, in the order of the events:
// jobAdded, jobStarted, jobProgress..., jobFinished. Each finished image
// is saved to the ImageLibrary before jobFinished is emitted.

#include <QObject>
#include <QThreadPool>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "service/image_engine.h"
#include "service/job_types.h"
#include "service/service_metatypes.h"

namespace fd {

class ImageLibrary;

class JobQueue : public QObject {
  Q_OBJECT
 public:
  // Called once per job when it ends, on the worker thread (or on the
  // thread that cancelled it while queued), before jobFinished is emitted.
  // Must be quick and thread-safe; used by callers that wait (the API).
  using Completion = std::function<void(const JobOutcome&)>;
  // Called with each progress report of the job, on the worker thread,
  // before jobProgress is emitted. Must be quick and thread-safe (the API's
  // streaming answers take the latent previews from here).
  using ProgressListener = std::function<void(const Progress&)>;

  struct Submission {
    JobId id = 0;            // 0 when refused
    bool queueFull = false;  // refused because `capacity` jobs are waiting or running
    std::optional<Error> error;
    bool ok() const { return id != 0; }
  };

  // `library` may be null (images are then only in the outcome); it must
  // outlive the queue. `capacity`: queued plus running jobs at most.
  JobQueue(std::shared_ptr<ImageEngine> engine, ImageLibrary* library, int capacity = 16,
           QObject* parent = nullptr);
  // Cancels every job and waits for the worker to return.
  ~JobQueue() override;

  // Validates (engine.validate) and queues. Never blocks on the engine.
  Submission submit(const GenerationRequest& request, const QString& source,
                    Completion onFinished = {}, ProgressListener onProgress = {});
  // A queued job ends at once (Cancelled); a running one is asked to stop
  // (its CancelCheck turns true) and ends when the engine returns. False
  // when the id is not queued or running.
  bool cancel(JobId id);
  void cancelAll();

  std::vector<JobInfo> jobs() const;  // running first, then queued in order
  std::optional<JobInfo> job(JobId id) const;
  int pendingCount() const;  // queued + running
  int capacity() const;
  void setCapacity(int capacity);
  // A guess at how long a new job would wait (for Retry-After), >= 1.
  int estimatedWaitSeconds() const;

  ImageEngine& engine() const { return *engine_; }
  ModelInfo modelInfo() const { return engine_->info(); }
  ImageLibrary* library() const { return library_; }

  // Loads the engine on the worker now (queued behind running jobs), so
  // the first Generate starts at once: engineReady or engineFailed.
  void warmUp();
  // Test and shutdown helper: waits until no job is queued or running.
  bool waitForIdle(int msecs);

 signals:
  void jobAdded(const fd::JobInfo& job);
  void jobStarted(quint64 id);
  void jobProgress(quint64 id, const fd::Progress& progress);
  void jobFinished(quint64 id, const fd::JobOutcome& outcome);
  void queueChanged(int pending);
  void engineProgress(const fd::Progress& progress);
  void engineReady(const fd::ModelInfo& info);
  void engineFailed(const fd::Error& error);

 private:
  struct Job;
  void runJob(const std::shared_ptr<Job>& job);  // worker thread
  JobOutcome finishJob(const std::shared_ptr<Job>& job, Result<GenerationResult> result);
  void saveImages(const Job& job, JobOutcome& outcome);
  void finishQueuedAsCancelled(const std::shared_ptr<Job>& job);
  // Runs `fn` on the owning thread via its event loop.
  template <typename Fn>
  void post(Fn&& fn);

  std::shared_ptr<ImageEngine> engine_;
  ImageLibrary* library_;
  QThreadPool pool_;
  mutable std::mutex mutex_;
  std::deque<std::shared_ptr<Job>> active_;  // running (if any) first, then queued
  int capacity_;
  JobId nextId_ = 1;
  double averageJobSeconds_ = 0;  // exponential average of finished jobs
};

}  // namespace fd
