// PipelineEngine with the demo model: lazy loading on the calling (worker)
// thread, provisional info before loading, reloading after configure(),
// and a whole job through the JobQueue into the library.
#include "service/pipeline_engine.h"

#include <gtest/gtest.h>

#include <QThread>
#include <utility>
#include <vector>

#include "demo/demo_model.h"
#include "pipeline/image_io.h"
#include "service/image_library.h"
#include "service/job_queue.h"
#include "service/qt_test_app.h"
#include "support/test_paths.h"

namespace fd::test {
namespace {

ModelLocation folder(const std::string& path) {
  ModelLocation location;
  location.folder = path;
  return location;
}

GenerationRequest quickRequest() {
  GenerationRequest r;
  r.prompt = "a lighthouse at dusk";
  r.width = 256;
  r.height = 256;
  r.steps = 1;
  r.seed = 99;
  return r;
}

TEST(PipelineEngine, LoadsLazilyAndReloadsAfterConfigure) {
  TempDir dir("pipeline_engine");
  const std::string demo = (dir.path() / "demo").string();
  ASSERT_TRUE(writeDemoModel(demo).ok());

  PipelineEngine engine(folder((dir.path() / "missing").string()), EngineOptions{});
  EXPECT_FALSE(engine.isReady());
  EXPECT_EQ(engine.info().name, "missing");  // provisional: the folder's name
  // Validation works before loading (no waiting on weights).
  EXPECT_TRUE(engine.validate(quickRequest()).ok());
  GenerationRequest bad = quickRequest();
  bad.height = 250;
  EXPECT_FALSE(engine.validate(bad).ok());

  Status missing = engine.prepare({});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::ModelMissing) << missing.error().message;
  EXPECT_FALSE(engine.isReady());

  engine.configure(folder(demo), EngineOptions{});
  int loadingReports = 0;
  ASSERT_TRUE(
      engine.prepare([&](const Progress& p) { loadingReports += p.stage == Stage::Loading; }).ok());
  EXPECT_GT(loadingReports, 0);
  ASSERT_TRUE(engine.isReady());
  EXPECT_TRUE(engine.info().randomWeights);
  EXPECT_FALSE(engine.info().id.empty());
  // The loaded model's own step limit applies now.
  GenerationRequest tooMany = quickRequest();
  tooMany.steps = engine.info().maxSteps + 1;
  EXPECT_FALSE(engine.validate(tooMany).ok());

  // A settings change drops the model; the next call loads it again.
  EngineOptions float32;
  float32.dtype = DtypePreference::Float32;
  engine.configure(folder(demo), float32);
  EXPECT_FALSE(engine.isReady());
  auto result = engine.generate(quickRequest(), {}, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_TRUE(engine.isReady());
  EXPECT_EQ(engine.info().dtype, "float32");
  ASSERT_EQ(result->images.size(), 1u);
  EXPECT_EQ(result->images[0].width, 256);
  EXPECT_EQ(result->images[0].seed, 99u);
}

// Every setting a load depends on takes part in the comparison that
// decides whether the loaded model is still the one wanted.
TEST(PipelineEngine, LoadSettingsCompareEveryField) {
  const ModelLocation base = folder("/models/a");
  std::vector<ModelLocation> locations(6, base);
  locations[0].folder = "/models/b";
  locations[1].transformerFile = "t.safetensors";
  locations[2].autoencoderFile = "ae.safetensors";
  locations[3].clipFile = "clip.safetensors";
  locations[4].t5File = "t5.gguf";
  locations[5].tokenizerFolder = "/tokenizers";
  EXPECT_TRUE(base == folder("/models/a"));
  for (size_t i = 0; i < locations.size(); ++i) EXPECT_TRUE(base != locations[i]) << "field " << i;

  const EngineOptions defaults;
  std::vector<EngineOptions> options(4, defaults);
  options[0].device = DevicePreference::Cpu;
  options[1].dtype = DtypePreference::Float32;
  options[2].memory = MemoryMode::StreamBlocks;
  options[3].cpuThreads = 3;
  EXPECT_TRUE(defaults == EngineOptions{});
  for (size_t i = 0; i < options.size(); ++i) EXPECT_TRUE(defaults != options[i]) << "field " << i;
}

// configure() while a load runs: the model loaded serves the job at hand,
// but counts as ready only if it was loaded with the settings now current.
TEST(PipelineEngine, AConfigureDuringTheLoadDecidesWhetherItIsStale) {
  TempDir dir("pipeline_engine_stale");
  const std::string demo = (dir.path() / "demo").string();
  ASSERT_TRUE(writeDemoModel(demo).ok());
  PipelineEngine engine(folder(demo), EngineOptions{});
  auto configureOnce = [&](const EngineOptions& options) {
    return [&engine, &demo, options, done = false](const Progress&) mutable {
      if (!std::exchange(done, true)) engine.configure(folder(demo), options);
    };
  };
  ASSERT_TRUE(engine.prepare(configureOnce(EngineOptions{})).ok());
  EXPECT_TRUE(engine.isReady());  // the same settings again: still the model wanted

  engine.configure(folder(demo), EngineOptions{});  // loads again at the next prepare()
  EngineOptions twoThreads;
  twoThreads.cpuThreads = 2;
  ASSERT_TRUE(engine.prepare(configureOnce(twoThreads)).ok());
  EXPECT_FALSE(engine.isReady());  // one field changed mid-load: load again next time
  ASSERT_TRUE(engine.prepare({}).ok());
  EXPECT_TRUE(engine.isReady());
  EXPECT_TRUE(engine.options() == twoThreads);
}

TEST(PipelineEngine, RunsAJobFromTheQueueIntoTheLibrary) {
  TempDir dir("pipeline_engine_queue");
  const std::string demo = (dir.path() / "demo").string();
  ASSERT_TRUE(writeDemoModel(demo).ok());
  ImageLibrary library(QString::fromStdString((dir.path() / "library").string()));
  auto engine = std::make_shared<PipelineEngine>(folder(demo), EngineOptions{});
  JobQueue queue(engine, &library);
  std::optional<JobOutcome> outcome;
  std::vector<Stage> stages;
  QObject context;
  QObject::connect(&queue, &JobQueue::jobProgress, &context,
                   [&](quint64, const Progress& p) { stages.push_back(p.stage); });
  QObject::connect(&queue, &JobQueue::jobFinished, &context,
                   [&](quint64, const JobOutcome& o) { outcome = o; });
  // Submitting does not wait for the model: it loads on the worker.
  ASSERT_TRUE(queue.submit(quickRequest(), job_source::gui()).ok());
  EXPECT_FALSE(engine->isReady());
  ASSERT_TRUE(waitFor([&] { return outcome.has_value(); }, 300000));
  ASSERT_EQ(outcome->state, JobState::Done) << (outcome->error ? outcome->error->message : "");
  EXPECT_NE(std::find(stages.begin(), stages.end(), Stage::Loading), stages.end());
  EXPECT_NE(std::find(stages.begin(), stages.end(), Stage::Denoising), stages.end());
  ASSERT_EQ(outcome->records.size(), 1u);
  const ImageRecord& record = outcome->records[0];
  EXPECT_EQ(record.prompt, "a lighthouse at dusk");
  EXPECT_EQ(record.seed, 99u);
  EXPECT_EQ(record.steps, 1);
  EXPECT_EQ(record.modelId.toStdString(), engine->info().id);
  auto decoded = readImageFile(record.filePath.toStdString());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->width, 256);
  EXPECT_EQ(decoded->rgb, outcome->result->images[0].rgb);
}

}  // namespace
}  // namespace fd::test
