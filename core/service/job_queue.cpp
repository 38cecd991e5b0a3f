#include "service/job_queue.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QMetaObject>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>

#include "pipeline/result_settings.h"
#include "service/image_library.h"

Q_LOGGING_CATEGORY(lcQueue, "fluxdesk.queue")

namespace fd {

const char* jobStateName(JobState state) {
  switch (state) {
    case JobState::Queued: return "queued";
    case JobState::Running: return "running";
    case JobState::Done: return "done";
    case JobState::Failed: return "failed";
    case JobState::Cancelled: return "cancelled";
  }
  return "unknown";
}

struct JobQueue::Job {
  JobInfo info;  // guarded by JobQueue::mutex_ (request and id never change)
  Completion completion;
  ProgressListener listener;
  std::atomic<bool> cancelRequested{false};
};

template <typename Fn>
void JobQueue::post(Fn&& fn) {
  // Queued even on the owning thread, so signal order is event order.
  QMetaObject::invokeMethod(this, std::forward<Fn>(fn), Qt::QueuedConnection);
}

JobQueue::JobQueue(std::shared_ptr<ImageEngine> engine, ImageLibrary* library, int capacity,
                   QObject* parent)
    : QObject(parent),
      engine_(std::move(engine)),
      library_(library),
      capacity_(std::max(1, capacity)) {
  registerServiceMetaTypes();
  // One worker, kept alive: the engine is not reentrant, and LibTorch (CUDA
  // in particular) prefers one long-lived thread.
  pool_.setMaxThreadCount(1);
  pool_.setExpiryTimeout(-1);
}

JobQueue::~JobQueue() {
  cancelAll();
  pool_.waitForDone();
}

JobQueue::Submission JobQueue::submit(const GenerationRequest& request, const QString& source,
                                      Completion onFinished, ProgressListener onProgress) {
  Submission submission;
  Status valid = engine_->validate(request);
  if (!valid) {
    submission.error = valid.error();
    return submission;
  }
  auto job = std::make_shared<Job>();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (int(active_.size()) >= capacity_) {
      submission.queueFull = true;
      submission.error =
          makeError(ErrorKind::Busy, "the queue is full (" + std::to_string(capacity_) +
                                         " jobs waiting or running); try again later");
      return submission;
    }
    job->info.id = nextId_++;
    job->info.request = request;
    job->info.source = source;
    job->info.queuedAt = QDateTime::currentDateTimeUtc();
    job->completion = std::move(onFinished);
    job->listener = std::move(onProgress);
    active_.push_back(job);
    // Posted under the lock: jobAdded is always before this job's jobStarted.
    JobInfo info = job->info;
    int pending = int(active_.size());
    post([this, info] { emit jobAdded(info); });
    post([this, pending] { emit queueChanged(pending); });
  }
  submission.id = job->info.id;
  (void)QtConcurrent::run(&pool_, [this, job] { runJob(job); });
  return submission;
}

void JobQueue::runJob(const std::shared_ptr<Job>& job) {
  const JobId id = job->info.id;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (job->info.state != JobState::Queued) return;  // cancelled while waiting
    job->info.state = JobState::Running;
    post([this, id] { emit jobStarted(id); });
    int pending = int(active_.size());
    post([this, pending] { emit queueChanged(pending); });
  }
  auto progress = [this, job, id](const Progress& report) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job->info.progress = report;
    }
    if (job->listener) job->listener(report);
    post([this, id, report] { emit jobProgress(id, report); });
  };
  auto cancelled = [job] { return job->cancelRequested.load(); };

  QElapsedTimer timer;
  timer.start();
  Result<GenerationResult> result = makeError(ErrorKind::Internal, "the engine did not run");
  try {
    result = engine_->generate(job->info.request, progress, cancelled);
  } catch (const std::exception& e) {
    result = makeError(ErrorKind::Internal, std::string("the engine failed: ") + e.what());
  } catch (...) {
    result = makeError(ErrorKind::Internal, "the engine failed with an unknown exception");
  }

  JobOutcome outcome;
  outcome.id = id;
  outcome.source = job->info.source;
  outcome.seconds = double(timer.nsecsElapsed()) / 1e9;
  if (result.ok()) {
    outcome.state = JobState::Done;
    outcome.result = std::make_shared<const GenerationResult>(std::move(result).value());
    saveImages(*job, outcome);
  } else {
    outcome.state =
        result.error().kind == ErrorKind::Cancelled ? JobState::Cancelled : JobState::Failed;
    outcome.error = result.error();
    if (outcome.state == JobState::Failed)
      qCWarning(lcQueue) << "job" << id << "failed:" << result.error().message.c_str();
  }

  int pending = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job->info.state = outcome.state;
    active_.erase(std::remove(active_.begin(), active_.end(), job), active_.end());
    pending = int(active_.size());
    if (outcome.state == JobState::Done) {
      averageJobSeconds_ = averageJobSeconds_ == 0
                               ? outcome.seconds
                               : 0.7 * averageJobSeconds_ + 0.3 * outcome.seconds;
    }
  }
  if (job->completion) job->completion(outcome);
  post([this, id, outcome] { emit jobFinished(id, outcome); });
  post([this, pending] { emit queueChanged(pending); });
}

void JobQueue::saveImages(const Job& job, JobOutcome& outcome) {
  if (!library_) return;
  const ModelInfo model = engine_->info();
  const auto& images = outcome.result->images;
  for (size_t i = 0; i < images.size(); ++i) {
    const GeneratedImage& image = images[i];
    Result<ImageRecord> record = library_->add(image, imageSettingsFor(*outcome.result, i, model),
                                               job.info.source, inputsOf(outcome.result->request));
    if (record) {
      outcome.records.push_back(std::move(record.value()));
    } else {
      qCWarning(lcQueue) << "job" << job.info.id
                         << "image not saved:" << record.error().message.c_str();
      outcome.saveError = record.error();
    }
  }
}

bool JobQueue::cancel(JobId id) {
  std::shared_ptr<Job> job;
  int pending = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = std::find_if(active_.begin(), active_.end(),
                           [id](const auto& j) { return j->info.id == id; });
    if (it == active_.end()) return false;
    job = *it;
    if (job->info.state == JobState::Running) {
      job->cancelRequested = true;  // the engine checks between steps
      return true;
    }
    job->info.state = JobState::Cancelled;
    active_.erase(it);
    pending = int(active_.size());
  }
  JobOutcome outcome;
  outcome.id = id;
  outcome.source = job->info.source;
  outcome.state = JobState::Cancelled;
  outcome.error = makeError(ErrorKind::Cancelled, "cancelled before it started");
  if (job->completion) job->completion(outcome);
  post([this, id, outcome] { emit jobFinished(id, outcome); });
  post([this, pending] { emit queueChanged(pending); });
  return true;
}

void JobQueue::cancelAll() {
  std::vector<JobId> ids;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& job : active_) ids.push_back(job->info.id);
  }
  // Queued ones first, so the worker does not start one of them next.
  std::reverse(ids.begin(), ids.end());
  for (JobId id : ids) cancel(id);
}

std::vector<JobInfo> JobQueue::jobs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<JobInfo> list;
  for (const auto& job : active_) list.push_back(job->info);
  std::stable_partition(list.begin(), list.end(),
                        [](const JobInfo& j) { return j.state == JobState::Running; });
  return list;
}

std::optional<JobInfo> JobQueue::job(JobId id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& job : active_) {
    if (job->info.id == id) return job->info;
  }
  return std::nullopt;
}

int JobQueue::pendingCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return int(active_.size());
}

int JobQueue::capacity() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return capacity_;
}

void JobQueue::setCapacity(int capacity) {
  std::lock_guard<std::mutex> lock(mutex_);
  capacity_ = std::max(1, capacity);
}

int JobQueue::estimatedWaitSeconds() const {
  std::lock_guard<std::mutex> lock(mutex_);
  double perJob = averageJobSeconds_ > 0 ? averageJobSeconds_ : 10.0;
  return std::max(1, int(std::ceil(perJob * double(std::max<size_t>(1, active_.size())))));
}

void JobQueue::warmUp() {
  (void)QtConcurrent::run(&pool_, [this] {
    auto progress = [this](const Progress& report) {
      post([this, report] { emit engineProgress(report); });
    };
    Status prepared = makeError(ErrorKind::Internal, "not prepared");
    try {
      prepared = engine_->prepare(progress);
    } catch (const std::exception& e) {
      prepared =
          makeError(ErrorKind::Internal, std::string("loading the model failed: ") + e.what());
    }
    if (prepared) {
      ModelInfo info = engine_->info();
      post([this, info] { emit engineReady(info); });
    } else {
      Error error = prepared.error();
      qCWarning(lcQueue) << "engine not ready:" << error.message.c_str();
      post([this, error] { emit engineFailed(error); });
    }
  });
}

bool JobQueue::waitForIdle(int msecs) { return pool_.waitForDone(msecs); }

}  // namespace fd
