#pragma once
// What the job queue hands to its users: one job's description while it
// waits or runs (JobInfo) and its end (JobOutcome). Plain values, copied
// into queued Qt signals (see service_metatypes.h).

#include <QDateTime>
#include <QString>
#include <memory>
#include <optional>
#include <vector>

#include "common/result.h"
#include "pipeline/pipeline.h"
#include "service/image_record.h"

namespace fd {

using JobId = quint64;  // 0 is never a job

enum class JobState { Queued, Running, Done, Failed, Cancelled };
const char* jobStateName(JobState state);  // "queued", "running", ...
inline bool isFinalState(JobState state) {
  return state == JobState::Done || state == JobState::Failed || state == JobState::Cancelled;
}

// Who asked for a job; shown in the queue and stored with each image.
namespace job_source {
inline const QString gui() { return QStringLiteral("gui"); }
inline const QString api() { return QStringLiteral("api"); }
inline const QString cli() { return QStringLiteral("cli"); }
}  // namespace job_source

struct JobInfo {
  JobId id = 0;
  GenerationRequest request;
  QString source;  // "gui", "api", "cli"
  JobState state = JobState::Queued;
  Progress progress;  // the latest report (Loading/0 before the job starts)
  QDateTime queuedAt;
};

struct JobOutcome {
  JobId id = 0;
  QString source;
  JobState state = JobState::Done;  // Done, Failed or Cancelled
  // Done: what the engine returned (images in request order).
  std::shared_ptr<const GenerationResult> result;
  // Done: the library entries of result->images, in the same order; empty
  // when the queue has no library. Saved before jobFinished is emitted.
  std::vector<ImageRecord> records;
  // Failed / Cancelled: why. Done: unset.
  std::optional<Error> error;
  // Done but a library write failed (disk full, permissions): the images
  // are still in `result`, so the caller can show or return them.
  std::optional<Error> saveError;
  double seconds = 0;  // from start to finish on the worker (0 if never started)
};

}  // namespace fd
