// JobQueue with the fake engine: order, capacity, cancelling, where the
// signals arrive, and that images are in the library before jobFinished.
#include "service/job_queue.h"

#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QFileInfo>
#include <QThread>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "service/api_error.h"
#include "service/fake_image_engine.h"
#include "service/image_library.h"
#include "service/qt_test_app.h"
#include "support/test_paths.h"

namespace fd::test {
namespace {

GenerationRequest smallRequest(const std::string& prompt, int count = 1) {
  GenerationRequest r;
  r.prompt = prompt;
  r.width = 256;
  r.height = 256;
  r.count = count;
  r.seed = 7;
  return r;
}

// Every signal of a queue, in arrival order, with the thread it arrived on.
struct Recorder {
  struct Event {
    std::string kind;
    JobId id;
    QThread* thread;
  };
  std::vector<Event> events;
  std::map<JobId, JobOutcome> outcomes;
  std::vector<Progress> progress;
  QObject context;

  explicit Recorder(JobQueue& queue) {
    auto note = [this](const char* kind, JobId id) {
      events.push_back({kind, id, QThread::currentThread()});
    };
    QObject::connect(&queue, &JobQueue::jobAdded, &context,
                     [note](const JobInfo& j) { note("added", j.id); });
    QObject::connect(&queue, &JobQueue::jobStarted, &context,
                     [note](quint64 id) { note("started", id); });
    QObject::connect(&queue, &JobQueue::jobProgress, &context,
                     [this, note](quint64 id, const Progress& p) {
                       note("progress", id);
                       progress.push_back(p);
                     });
    QObject::connect(&queue, &JobQueue::jobFinished, &context,
                     [this, note](quint64 id, const JobOutcome& o) {
                       note("finished", id);
                       outcomes[id] = o;
                     });
  }
  std::vector<std::string> kindsFor(JobId id) const {
    std::vector<std::string> kinds;
    for (const auto& e : events) {
      if (e.id == id && (kinds.empty() || kinds.back() != e.kind)) kinds.push_back(e.kind);
    }
    return kinds;
  }
  bool finished(JobId id) const { return outcomes.count(id) > 0; }
};

class JobQueueTest : public ::testing::Test {
 protected:
  TempDir dir_{"job_queue"};
  std::shared_ptr<FakeImageEngine> engine_ = std::make_shared<FakeImageEngine>();
  std::unique_ptr<ImageLibrary> library_ =
      std::make_unique<ImageLibrary>(QString::fromStdString(dir_.path().string()));
};

TEST_F(JobQueueTest, RunsJobsInOrderWithSignalsInOrderOnTheOwningThread) {
  JobQueue queue(engine_, library_.get());
  Recorder recorder(queue);
  std::vector<JobId> ids;
  for (const char* prompt : {"first", "second", "third"}) {
    auto submission = queue.submit(smallRequest(prompt), job_source::gui());
    ASSERT_TRUE(submission.ok());
    ids.push_back(submission.id);
  }
  ASSERT_TRUE(waitFor([&] { return recorder.outcomes.size() == 3; }));
  EXPECT_EQ(engine_->ranPrompts(), (std::vector<std::string>{"first", "second", "third"}));
  for (JobId id : ids) {
    EXPECT_EQ(recorder.kindsFor(id),
              (std::vector<std::string>{"added", "started", "progress", "finished"}));
    EXPECT_EQ(recorder.outcomes[id].state, JobState::Done);
  }
  // jobFinished order = submission order
  std::vector<JobId> finishedOrder;
  for (const auto& e : recorder.events) {
    if (e.kind == "finished") finishedOrder.push_back(e.id);
  }
  EXPECT_EQ(finishedOrder, ids);
  // Signals arrive on the GUI (main) thread, the engine runs elsewhere.
  for (const auto& e : recorder.events) EXPECT_EQ(e.thread, QCoreApplication::instance()->thread());
  for (QThread* t : engine_->ranOnThreads()) EXPECT_NE(t, QCoreApplication::instance()->thread());
  EXPECT_EQ(recorder.progress.size(), 3u * 4u);  // 4 steps each
  EXPECT_EQ(recorder.progress.front().stage, Stage::Denoising);
  EXPECT_EQ(recorder.progress.front().totalSteps, 4);
  EXPECT_EQ(queue.pendingCount(), 0);
}

TEST_F(JobQueueTest, SavesEveryImageBeforeJobFinished) {
  JobQueue queue(engine_, library_.get());
  bool checked = false;
  QObject context;
  QObject::connect(
      &queue, &JobQueue::jobFinished, &context, [&](quint64, const JobOutcome& outcome) {
        ASSERT_EQ(outcome.state, JobState::Done);
        ASSERT_EQ(outcome.records.size(), 2u);
        for (const ImageRecord& record : outcome.records) {
          EXPECT_TRUE(QFileInfo::exists(record.filePath)) << record.filePath.toStdString();
          EXPECT_TRUE(library_->record(record.id).has_value());
          EXPECT_EQ(record.source, "api");
        }
        EXPECT_EQ(outcome.records[0].seed, 7u);
        EXPECT_EQ(outcome.records[1].seed, 8u);
        checked = true;
      });
  ASSERT_TRUE(queue.submit(smallRequest("two images", 2), job_source::api()).ok());
  ASSERT_TRUE(waitFor([&] { return checked; }));
  EXPECT_EQ(library_->count(), 2);
}

TEST_F(JobQueueTest, RefusesWhenFullAndAcceptsAgainAfterwards) {
  JobQueue queue(engine_, library_.get(), /*capacity=*/2);
  Recorder recorder(queue);
  engine_->close();
  auto a = queue.submit(smallRequest("a"), job_source::api());
  auto b = queue.submit(smallRequest("b"), job_source::api());
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  auto c = queue.submit(smallRequest("c"), job_source::api());
  EXPECT_FALSE(c.ok());
  EXPECT_TRUE(c.queueFull);
  ASSERT_TRUE(c.error.has_value());
  EXPECT_NE(c.error->message.find("full"), std::string::npos);
  // A full queue is "busy" (429 over the API, a message in the GUI), not a failure.
  EXPECT_EQ(c.error->kind, ErrorKind::Busy);
  EXPECT_EQ(api::fromEngineError(*c.error).status, 429);
  EXPECT_EQ(queue.pendingCount(), 2);
  EXPECT_GE(queue.estimatedWaitSeconds(), 1);
  engine_->open();
  ASSERT_TRUE(waitFor([&] { return recorder.outcomes.size() == 2; }));
  auto d = queue.submit(smallRequest("d"), job_source::api());
  EXPECT_TRUE(d.ok());
  ASSERT_TRUE(waitFor([&] { return recorder.finished(d.id); }));
  EXPECT_EQ(engine_->ranPrompts(), (std::vector<std::string>{"a", "b", "d"}));
}

TEST_F(JobQueueTest, InvalidRequestIsRefusedWithoutAJob) {
  JobQueue queue(engine_, library_.get());
  GenerationRequest bad = smallRequest("x");
  bad.width = 1000;  // not a multiple of 16
  auto submission = queue.submit(bad, job_source::gui());
  EXPECT_FALSE(submission.ok());
  EXPECT_FALSE(submission.queueFull);
  ASSERT_TRUE(submission.error.has_value());
  EXPECT_EQ(submission.error->kind, ErrorKind::BadRequest);
  EXPECT_NE(submission.error->message.find("width"), std::string::npos);
  EXPECT_EQ(queue.pendingCount(), 0);
  EXPECT_EQ(engine_->calls(), 0);
}

TEST_F(JobQueueTest, CancelsAQueuedJobAtOnceWithoutRunningIt) {
  JobQueue queue(engine_, library_.get());
  Recorder recorder(queue);
  engine_->close();
  auto running = queue.submit(smallRequest("running"), job_source::gui());
  auto queued = queue.submit(smallRequest("queued"), job_source::gui());
  ASSERT_TRUE(engine_->waitUntilBlocked(5000));
  int completions = 0;
  JobState completionState = JobState::Done;
  // Completion of the queued job comes through its callback too.
  auto third = queue.submit(smallRequest("third"), job_source::gui(), [&](const JobOutcome& o) {
    ++completions;
    completionState = o.state;
  });
  auto jobs = queue.jobs();
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].id, running.id);
  EXPECT_EQ(jobs[0].state, JobState::Running);
  EXPECT_EQ(jobs[1].state, JobState::Queued);

  EXPECT_TRUE(queue.cancel(queued.id));
  EXPECT_TRUE(queue.cancel(third.id));
  EXPECT_EQ(completions, 1);  // called synchronously for a queued job
  EXPECT_EQ(completionState, JobState::Cancelled);
  EXPECT_FALSE(queue.cancel(queued.id));  // already gone
  ASSERT_TRUE(waitFor([&] { return recorder.finished(queued.id); }));
  EXPECT_EQ(recorder.outcomes[queued.id].state, JobState::Cancelled);
  EXPECT_EQ(recorder.kindsFor(queued.id), (std::vector<std::string>{"added", "finished"}));

  engine_->open();
  ASSERT_TRUE(waitFor([&] { return recorder.finished(running.id); }));
  EXPECT_EQ(recorder.outcomes[running.id].state, JobState::Done);
  queue.waitForIdle(5000);
  EXPECT_EQ(engine_->ranPrompts(), std::vector<std::string>{"running"});
  EXPECT_EQ(library_->count(), 1);
}

TEST_F(JobQueueTest, CancelsARunningJobThroughItsCancelCheck) {
  JobQueue queue(engine_, library_.get());
  Recorder recorder(queue);
  engine_->stepDelayMs = 200;
  auto job = queue.submit(smallRequest("slow"), job_source::gui());
  ASSERT_TRUE(waitFor([&] { return !recorder.progress.empty(); }));  // step 1 done
  EXPECT_TRUE(queue.cancel(job.id));
  ASSERT_TRUE(waitFor([&] { return recorder.finished(job.id); }, 5000));
  const JobOutcome& outcome = recorder.outcomes[job.id];
  EXPECT_EQ(outcome.state, JobState::Cancelled);
  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_EQ(outcome.error->kind, ErrorKind::Cancelled);
  EXPECT_LT(recorder.progress.size(), 4u);
  EXPECT_EQ(library_->count(), 0);
  // The queue keeps working.
  engine_->stepDelayMs = 0;
  auto next = queue.submit(smallRequest("next"), job_source::gui());
  ASSERT_TRUE(waitFor([&] { return recorder.finished(next.id); }));
  EXPECT_EQ(recorder.outcomes[next.id].state, JobState::Done);
}

TEST_F(JobQueueTest, EngineFailureEndsTheJobWithItsMessage) {
  JobQueue queue(engine_, library_.get());
  Recorder recorder(queue);
  engine_->failNext = true;
  auto failed = queue.submit(smallRequest("fails"), job_source::cli());
  auto fine = queue.submit(smallRequest("fine"), job_source::cli());
  ASSERT_TRUE(waitFor([&] { return recorder.finished(fine.id); }));
  const JobOutcome& outcome = recorder.outcomes[failed.id];
  EXPECT_EQ(outcome.state, JobState::Failed);
  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_EQ(outcome.error->message, "the fake engine was told to fail");
  EXPECT_EQ(outcome.result, nullptr);
  EXPECT_EQ(recorder.outcomes[fine.id].state, JobState::Done);
  EXPECT_EQ(library_->count(), 1);
}

TEST_F(JobQueueTest, WorksWithoutALibrary) {
  JobQueue queue(engine_, nullptr);
  Recorder recorder(queue);
  auto job = queue.submit(smallRequest("no library", 3), job_source::gui());
  ASSERT_TRUE(waitFor([&] { return recorder.finished(job.id); }));
  const JobOutcome& outcome = recorder.outcomes[job.id];
  ASSERT_EQ(outcome.state, JobState::Done);
  ASSERT_NE(outcome.result, nullptr);
  EXPECT_EQ(outcome.result->images.size(), 3u);
  EXPECT_TRUE(outcome.records.empty());
}

TEST_F(JobQueueTest, DestroyingTheQueueCancelsEverythingWithoutHanging) {
  auto queue = std::make_unique<JobQueue>(engine_, library_.get());
  engine_->close();  // the running job waits at the gate until cancelled
  std::vector<JobState> ends;
  std::mutex mutex;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(queue
                    ->submit(smallRequest("job " + std::to_string(i)), job_source::gui(),
                             [&](const JobOutcome& o) {
                               std::lock_guard<std::mutex> lock(mutex);
                               ends.push_back(o.state);
                             })
                    .ok());
  }
  ASSERT_TRUE(engine_->waitUntilBlocked(5000));
  queue.reset();
  ASSERT_EQ(ends.size(), 4u);
  for (JobState s : ends) EXPECT_EQ(s, JobState::Cancelled);
  EXPECT_EQ(engine_->calls(), 1);
}

TEST_F(JobQueueTest, WarmUpReportsTheEngineReady) {
  JobQueue queue(engine_, library_.get());
  std::optional<ModelInfo> ready;
  QObject context;
  QObject::connect(&queue, &JobQueue::engineReady, &context,
                   [&](const ModelInfo& info) { ready = info; });
  queue.warmUp();
  ASSERT_TRUE(waitFor([&] { return ready.has_value(); }));
  EXPECT_EQ(ready->id, "fluxdesk-fake");
}

}  // namespace
}  // namespace fd::test
