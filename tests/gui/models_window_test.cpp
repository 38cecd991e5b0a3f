// The Models window against a loopback Hugging Face hub (tests/hub/mock_hub.h):
// download a preset (the demo model served as a hub repository) and use it;
// cancel, then pause and resume, a throttled download; a gated repository
// without a token (the failure names the licence page), then with one.
#include "models_window.h"

#include <gtest/gtest.h>

#include <QAction>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTest>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "gui_fixture.h"
#include "hub/hub_cache.h"
#include "hub/hub_download.h"
#include "message_bar.h"
#include "mock_hub.h"
#include "preset_row.h"
#include "service/job_queue.h"
#include "service/model_downloads.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDemoRepo = "fluxdesk-test/demo";
constexpr const char* kBigRepo = "fluxdesk-test/big";
constexpr const char* kGatedRepo = "fluxdesk-test/gated";
constexpr const char* kGoodToken = "hf_fluxdeskTestToken0123456789";
constexpr size_t kBigBytes = 6u << 20;

std::string readBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string randomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = char(rng() & 0xff);
  return bytes;
}

// The demo model's folder as a hub repository (weights in LFS).
std::vector<MockFile> demoModelFiles(uint64_t& total) {
  std::vector<MockFile> files;
  const fs::path root = demoModelFolder().toStdString();
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    MockFile f;
    f.path = entry.path().lexically_relative(root).generic_string();
    f.bytes = readBytes(entry.path());
    f.lfs = entry.path().extension() == ".safetensors" || entry.path().extension() == ".model";
    total += f.bytes.size();
    files.push_back(std::move(f));
  }
  return files;
}

ModelPreset onePartPreset(const std::string& id, const std::string& repo, const std::string& role,
                          std::vector<std::string> include, const std::string& file,
                          uint64_t bytes) {
  ModelPreset p;
  p.id = id;
  p.title = "Test " + id;
  p.description = "A test model served by the loopback hub.";
  PresetPart part;
  part.role = role;
  part.repo = repo;
  part.include = std::move(include);
  part.file = file;
  p.parts.push_back(part);
  p.downloadBytes = bytes;
  p.ramBytes = 1ull << 30;
  return p;
}

size_t partialFileCount(const fs::path& cache) {
  size_t n = 0;
  std::error_code ec;
  if (!fs::exists(cache, ec)) return 0;
  for (const auto& entry : fs::recursive_directory_iterator(cache, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 11 && name.compare(name.size() - 11, 11, ".incomplete") == 0) ++n;
  }
  return n;
}

class ModelsWindowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uint64_t demoBytes = 0;
    MockRepo demo{kDemoRepo, demoModelFiles(demoBytes), {}, false, {}};
    MockRepo big{
        kBigRepo,
        {{"config.json", "{}", false}, {"big.safetensors", randomBytes(kBigBytes, 7), true}},
        {},
        false,
        {}};
    MockRepo gated{kGatedRepo,
                   {{"model.safetensors", randomBytes(64 << 10, 11), true}},
                   {},
                   true,
                   {kGoodToken}};
    hub_ = std::make_unique<MockHub>(std::vector<MockRepo>{demo, big, gated});
    ASSERT_TRUE(hub_->start());

    // The hub, the cache and no token from anywhere but the window's field.
    qputenv("HF_ENDPOINT", QByteArray::fromStdString(hub_->endpoint()));
    qputenv("HF_HUB_CACHE", QByteArray::fromStdString(cache_.path().string()));
    qputenv("HF_TOKEN_PATH", QByteArray::fromStdString((cache_.path() / "no-token-file").string()));
    qunsetenv("HF_TOKEN");
    qunsetenv("HUGGING_FACE_HUB_TOKEN");

    harness_ = std::make_unique<GuiHarness>(QString::fromStdString(library_.path().string()));
    harness_->settings().setHubToken(QString());
    std::vector<ModelPreset> presets;
    presets.push_back(onePartPreset("test-demo", kDemoRepo, "tokenizers", {}, "", demoBytes));
    presets.push_back(onePartPreset("test-big", kBigRepo, "transformer", {"big.safetensors"},
                                    "big.safetensors", kBigBytes));
    ModelPreset gatedPreset = onePartPreset("test-gated", kGatedRepo, "transformer",
                                            {"*.safetensors"}, "model.safetensors", 64 << 10);
    gatedPreset.parts[0].gated = true;
    gatedPreset.licenceUrl = hub_->endpoint() + "/" + kGatedRepo;
    presets.push_back(gatedPreset);
    ASSERT_TRUE(downloads()->setPresets(presets));
    ASSERT_TRUE(downloads()->waitForIdle(10000));
  }

  void TearDown() override {
    if (harness_) {
      downloads()->waitForIdle(30000);
      harness_->settings().setModelPreset(QString());
      harness_->settings().setModelFolder(QString());
      harness_->settings().setHubToken(QString());
      harness_->settings().sync();
    }
    harness_.reset();
    if (hub_) hub_->stop();
    for (const char* name : {"HF_ENDPOINT", "HF_HUB_CACHE", "HF_TOKEN_PATH"}) qunsetenv(name);
  }

  ModelDownloads* downloads() { return harness_->services().downloads(); }
  ui::MainWindow& window() { return harness_->window(); }

  // Opens the window the way a user does: the Models… action.
  ui::ModelsWindow* openModels() {
    auto* action = window().findChild<QAction*>(QStringLiteral("modelsAction"));
    EXPECT_NE(action, nullptr);
    if (action) action->trigger();
    EXPECT_NE(window().modelsWindow(), nullptr);
    if (window().modelsWindow()) {
      EXPECT_TRUE(window().modelsWindow()->isVisible());
    }
    return window().modelsWindow();
  }

  static void click(QPushButton* button) {
    ASSERT_NE(button, nullptr);
    ASSERT_TRUE(button->isVisible()) << button->objectName().toStdString() << " is hidden";
    ASSERT_TRUE(button->isEnabled()) << button->objectName().toStdString() << " is disabled";
    QTest::mouseClick(button, Qt::LeftButton);
  }

  bool waitForState(ui::PresetRow* row, PresetState state, int ms = 60000) {
    return waitUntil([&] { return row->state() == state; }, ms);
  }

  std::string describe(ui::PresetRow* row) { return row->stateText().toStdString(); }

  TempDir cache_{"gui-hub-cache"};
  TempDir library_{"gui-models-library"};
  std::unique_ptr<MockHub> hub_;
  std::unique_ptr<GuiHarness> harness_;
};

TEST_F(ModelsWindowTest, DownloadsAPresetAndUsesIt) {
  auto& w = window();
  // First run: the banner offers a model.
  EXPECT_TRUE(w.demoBanner()->text().contains(QStringLiteral("demo model")));
  ASSERT_TRUE(w.demoBanner()->actionButton()->isVisible());
  EXPECT_EQ(w.demoBanner()->actionButton()->text(), QStringLiteral("Get a model…"));
  ASSERT_TRUE(harness_->waitForModel());

  ui::ModelsWindow* models = openModels();
  ASSERT_NE(models, nullptr);
  ui::PresetRow* row = models->row(QStringLiteral("test-demo"));
  ASSERT_NE(row, nullptr);
  ASSERT_TRUE(waitForState(row, PresetState::NotDownloaded)) << describe(row);
  EXPECT_TRUE(models->onDiskText().contains(QStringLiteral("None")))
      << models->onDiskText().toStdString();
  EXPECT_FALSE(row->useButton()->isVisible());

  int progressReports = 0;
  quint64 lastDone = 0, lastTotal = 0;
  QObject::connect(downloads(), &ModelDownloads::progress, models,
                   [&](const PresetDownloadProgress& p) {
                     if (p.presetId != QStringLiteral("test-demo")) return;
                     ++progressReports;
                     lastDone = p.bytesDone;
                     lastTotal = p.bytesTotal;
                   });
  QString finishedId;
  QObject::connect(downloads(), &ModelDownloads::finished, models,
                   [&](const QString& id, const ModelLocation&) { finishedId = id; });

  click(row->downloadButton());
  ASSERT_TRUE(waitForState(row, PresetState::Downloaded)) << describe(row);
  EXPECT_EQ(finishedId, QStringLiteral("test-demo"));
  EXPECT_GT(progressReports, 0);
  EXPECT_GT(lastTotal, 0u);
  EXPECT_LE(lastDone, lastTotal);
  EXPECT_TRUE(row->stateText().startsWith(QStringLiteral("Downloaded"))) << describe(row);

  // The files are in the cache, in the hub's layout.
  auto snapshot = findCachedSnapshot(cache_.path().string(), kDemoRepo);
  ASSERT_TRUE(snapshot.has_value());
  EXPECT_TRUE(fs::exists(fs::path(*snapshot) / "model_index.json"));
  EXPECT_TRUE(fs::exists(fs::path(*snapshot) / "transformer"));
  EXPECT_EQ(partialFileCount(cache_.path()), 0u);
  EXPECT_TRUE(models->onDiskText().contains(QStringLiteral("Test test-demo")))
      << models->onDiskText().toStdString();
  // The main window says so too, with a way to use it.
  EXPECT_TRUE(w.messages()->text().contains(QStringLiteral("downloaded")))
      << w.messages()->text().toStdString();

  // Use this model: the settings point at it and the engine loads it.
  click(row->useButton());
  EXPECT_EQ(harness_->settings().modelPreset(), QStringLiteral("test-demo"));
  EXPECT_TRUE(harness_->settings().modelFolder().isEmpty());
  EXPECT_EQ(harness_->services().paths().modelPreset, QStringLiteral("test-demo"));
  EXPECT_FALSE(harness_->services().modelProblem().has_value());
  EXPECT_FALSE(harness_->services().usingDemoModel());
  EXPECT_TRUE(w.demoBanner()->text().isEmpty()) << w.demoBanner()->text().toStdString();
  EXPECT_EQ(row->useButton()->text(), QStringLiteral("In use"));
  EXPECT_FALSE(row->useButton()->isEnabled());
  ASSERT_TRUE(harness_->waitForModel()) << w.messages()->text().toStdString();

  // And a generation runs on the downloaded copy.
  harness_->typePrompt(QStringLiteral("a cached lighthouse"));
  harness_->setSize(256, 256);
  harness_->setCount(1);
  harness_->clickGenerate();
  ASSERT_TRUE(waitUntil([&] { return harness_->galleryCount() == 1; }, 120000))
      << w.messages()->text().toStdString();

  // Closing the window keeps the service (downloads outlive it).
  models->close();
  EXPECT_FALSE(models->isVisible());
  EXPECT_EQ(downloads()->status(QStringLiteral("test-demo")).state, PresetState::Downloaded);
}

TEST_F(ModelsWindowTest, CancelDeletesPartialFilesAndPauseResumeCompletes) {
  ui::ModelsWindow* models = openModels();
  ASSERT_NE(models, nullptr);
  ui::PresetRow* row = models->row(QStringLiteral("test-big"));
  ASSERT_NE(row, nullptr);
  ASSERT_TRUE(waitForState(row, PresetState::NotDownloaded)) << describe(row);
  hub_->setThrottle(1u << 20);  // 6 s for the whole file

  quint64 fileBytesSeen = 0;
  QObject::connect(
      downloads(), &ModelDownloads::progress, models, [&](const PresetDownloadProgress& p) {
        if (p.presetId == QStringLiteral("test-big") && p.file == QStringLiteral("big.safetensors"))
          fileBytesSeen = p.partBytesDone;
      });

  // Cancel: back to not downloaded, no partial file left.
  click(row->downloadButton());
  ASSERT_TRUE(waitForState(row, PresetState::Downloading)) << describe(row);
  ASSERT_TRUE(waitUntil([&] { return fileBytesSeen > (256u << 10); }, 30000)) << describe(row);
  EXPECT_TRUE(row->progressBar()->isVisible());
  EXPECT_GT(row->progressBar()->value(), 0);
  EXPECT_TRUE(row->pauseButton()->isVisible());
  EXPECT_FALSE(row->downloadButton()->isVisible());
  EXPECT_EQ(partialFileCount(cache_.path()), 1u);
  bool cancelledSignal = false;
  QObject::connect(downloads(), &ModelDownloads::cancelled, models, [&](const QString& id) {
    cancelledSignal = cancelledSignal || id == QStringLiteral("test-big");
  });
  click(row->cancelButton());
  ASSERT_TRUE(waitUntil([&] { return cancelledSignal; }, 30000)) << describe(row);
  ASSERT_TRUE(downloads()->waitForIdle(30000));
  EXPECT_EQ(row->state(), PresetState::NotDownloaded) << describe(row);
  EXPECT_EQ(partialFileCount(cache_.path()), 0u);
  EXPECT_TRUE(row->downloadButton()->isVisible());
  EXPECT_FALSE(row->progressBar()->isVisible());

  // Pause keeps the partial file; Resume continues it (a Range request) to the end.
  fileBytesSeen = 0;
  click(row->downloadButton());
  ASSERT_TRUE(waitUntil([&] { return fileBytesSeen > (1u << 20); }, 30000)) << describe(row);
  click(row->pauseButton());
  ASSERT_TRUE(waitForState(row, PresetState::Paused, 30000)) << describe(row);
  EXPECT_TRUE(row->stateText().startsWith(QStringLiteral("Paused"))) << describe(row);
  EXPECT_EQ(partialFileCount(cache_.path()), 1u);
  EXPECT_TRUE(row->resumeButton()->isVisible());
  EXPECT_TRUE(row->cancelButton()->isVisible());
  EXPECT_FALSE(row->pauseButton()->isVisible());

  hub_->setThrottle(0);
  hub_->clearRequests();
  const uint64_t servedBefore = hub_->contentBytesServed();
  click(row->resumeButton());
  ASSERT_TRUE(waitForState(row, PresetState::Downloaded)) << describe(row);
  EXPECT_EQ(partialFileCount(cache_.path()), 0u);
  bool ranged = false;
  for (const MockRequest& r : hub_->requests())
    ranged = ranged || (r.method == "GET" && !r.range.empty());
  EXPECT_TRUE(ranged) << "the resumed download did not continue the partial file";
  EXPECT_LT(hub_->contentBytesServed() - servedBefore, kBigBytes)
      << "the resumed download fetched the whole file again";
  auto snapshot = findCachedSnapshot(cache_.path().string(), kBigRepo);
  ASSERT_TRUE(snapshot.has_value());
  EXPECT_EQ(fs::file_size(fs::path(*snapshot) / "big.safetensors"), kBigBytes);
}

TEST_F(ModelsWindowTest, GatedModelNamesTheLicencePageUntilATokenIsGiven) {
  ui::ModelsWindow* models = openModels();
  ASSERT_NE(models, nullptr);
  ui::PresetRow* row = models->row(QStringLiteral("test-gated"));
  ASSERT_NE(row, nullptr);
  ASSERT_TRUE(waitForState(row, PresetState::NotDownloaded)) << describe(row);
  EXPECT_EQ(models->tokenEdit()->echoMode(), QLineEdit::Password);

  std::optional<Error> failure;
  QString licence;
  QObject::connect(downloads(), &ModelDownloads::failed, models,
                   [&](const QString&, const Error& error, const QString& url) {
                     failure = error;
                     licence = url;
                   });
  click(row->downloadButton());
  ASSERT_TRUE(waitForState(row, PresetState::Failed)) << describe(row);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->kind, ErrorKind::AccessDenied) << failure->message;
  const QString page = QString::fromStdString(hub_->endpoint() + "/" + kGatedRepo);
  EXPECT_EQ(licence, page);
  EXPECT_TRUE(row->stateText().contains(page)) << describe(row);
  EXPECT_TRUE(row->downloadButton()->isVisible());  // "Try again"

  // The token, typed into the window, is saved and used.
  QTest::keyClicks(models->tokenEdit(), QString::fromLatin1(kGoodToken));
  EXPECT_EQ(harness_->settings().hubToken(), QString::fromLatin1(kGoodToken));
  click(row->downloadButton());
  ASSERT_TRUE(waitForState(row, PresetState::Downloaded)) << describe(row);
  bool sentToken = false;
  for (const MockRequest& r : hub_->requests())
    sentToken = sentToken || r.authorization == std::string("Bearer ") + kGoodToken;
  EXPECT_TRUE(sentToken);
  EXPECT_FALSE(row->stateText().contains(page)) << describe(row);
}

}  // namespace
}  // namespace fd::test
