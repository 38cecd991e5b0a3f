// Drives the real window: type, click, wait for the gallery, check disk.
#include <gtest/gtest.h>

#include <QAction>
#include <QDir>
#include <QImageReader>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QSpinBox>
#include <QTest>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "details_panel.h"
#include "gallery_model.h"
#include "gallery_widget.h"
#include "generation_panel.h"
#include "gui_fixture.h"
#include "message_bar.h"
#include "progress_panel.h"
#include "prompt_edit.h"
#include "queue_panel.h"
#include "server_panel.h"
#include "service/api_server.h"
#include "service/image_library.h"
#include "service/job_queue.h"

namespace fd::test {
namespace {

void setSmallSize(ui::GenerationPanel* panel, int side = 256) {
  panel->findChild<QSpinBox*>(QStringLiteral("widthSpin"))->setValue(side);
  panel->findChild<QSpinBox*>(QStringLiteral("heightSpin"))->setValue(side);
}

void typePrompt(ui::GenerationPanel* panel, const QString& text) {
  panel->promptEdit()->clear();
  QTest::keyClicks(panel->promptEdit(), text);
}

TEST(MainWindow, GenerateFillsGalleryAndWritesPngWithMetadata) {
  TempDir library("gui-library");
  GuiHarness h(QString::fromStdString(library.path().string()));
  auto* panel = h.window().generationPanel();
  EXPECT_TRUE(h.window().findChild<ui::MessageBar*>(QStringLiteral("demoBanner"))->text().contains("demo"));

  typePrompt(panel, QStringLiteral("a lighthouse at dusk"));
  setSmallSize(panel);
  panel->findChild<QSpinBox*>(QStringLiteral("countSpin"))->setValue(2);
  QTest::mouseClick(panel->generateButton(), Qt::LeftButton);
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 2; }, 120000))
      << h.window().messages()->text().toStdString();

  const auto records = h.services().library()->records();
  ASSERT_EQ(records.size(), 2u);
  for (const auto& r : records) {
    EXPECT_TRUE(QFileInfo::exists(r.filePath));
    QImage image(r.filePath);
    EXPECT_EQ(image.size(), QSize(256, 256));
    // The text chunks, exactly as written (QImage keeps line breaks).
    EXPECT_TRUE(image.text(QStringLiteral("parameters")).startsWith(QStringLiteral("a lighthouse at dusk\nSteps: 4")))
        << image.text(QStringLiteral("parameters")).toStdString();
    EXPECT_TRUE(image.text(QStringLiteral("parameters")).contains(QStringLiteral("Seed: %1").arg(r.seed)));
    EXPECT_TRUE(image.text(QStringLiteral("fluxdesk")).contains(QStringLiteral("\"seed\":%1").arg(r.seed)))
        << image.text(QStringLiteral("fluxdesk")).toStdString();
    EXPECT_EQ(r.source, QStringLiteral("gui"));
  }
  // Seeds of one request are consecutive (image i uses seed + i).
  EXPECT_EQ(std::max(records[0].seed, records[1].seed) - std::min(records[0].seed, records[1].seed), 1u);
  // The newest image is selected and shown large with its settings.
  ASSERT_TRUE(waitUntil([&] { return h.window().details()->record().has_value(); }, 5000));
  EXPECT_TRUE(h.window().details()->infoText().contains(QStringLiteral("lighthouse")));
  EXPECT_TRUE(h.window().statusText().contains(QStringLiteral("demo")));
}

TEST(MainWindow, EmptyPromptIsExplainedNotQueued) {
  TempDir library("gui-library");
  GuiHarness h(QString::fromStdString(library.path().string()));
  h.window().generationPanel()->promptEdit()->clear();
  h.window().generate();
  EXPECT_TRUE(h.window().messages()->text().contains(QStringLiteral("prompt")));
  EXPECT_EQ(h.services().queue()->pendingCount(), 0);
}

TEST(MainWindow, CancelRunningJobLeavesGalleryUnchangedAndAppUsable) {
  TempDir library("gui-library");
  GuiHarness h(QString::fromStdString(library.path().string()));
  auto* panel = h.window().generationPanel();
  typePrompt(panel, QStringLiteral("slow job to cancel"));
  setSmallSize(panel, 1024);
  panel->findChild<QSpinBox*>(QStringLiteral("countSpin"))->setValue(4);
  bool started = false, cancelled = false;
  QObject::connect(h.services().queue(), &JobQueue::jobStarted, [&](quint64) { started = true; });
  QObject::connect(h.services().queue(), &JobQueue::jobFinished, [&](quint64, const JobOutcome& o) {
    cancelled = o.state == JobState::Cancelled;
  });
  QTest::keyClick(panel->promptEdit(), Qt::Key_Return, Qt::ControlModifier);  // Ctrl+Enter generates
  ASSERT_TRUE(waitUntil([&] { return started; }, 60000));
  ASSERT_TRUE(waitUntil([&] { return panel->cancelButton()->isEnabled(); }, 5000));
  QTest::mouseClick(panel->cancelButton(), Qt::LeftButton);
  ASSERT_TRUE(waitUntil([&] { return h.services().queue()->pendingCount() == 0; }, 120000));
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(h.galleryCount(), 0);
  EXPECT_TRUE(h.window().progressPanel()->statusText().contains(QStringLiteral("Cancelled")));

  // The next job still works.
  setSmallSize(panel, 256);
  panel->findChild<QSpinBox*>(QStringLiteral("countSpin"))->setValue(1);
  h.window().generate();
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 1; }, 120000));
}

TEST(MainWindow, QueuedJobsAreVisibleAndCancellable) {
  TempDir library("gui-library");
  GuiHarness h(QString::fromStdString(library.path().string()));
  auto* panel = h.window().generationPanel();
  typePrompt(panel, QStringLiteral("queued"));
  setSmallSize(panel, 512);
  h.window().generate();
  h.window().generate();
  h.window().generate();
  ASSERT_TRUE(waitUntil([&] { return h.window().queuePanel()->visibleJobs() >= 2; }, 5000));
  // Cancel the last queued job from the queue list.
  auto jobs = h.services().queue()->jobs();
  ASSERT_GE(jobs.size(), 2u);
  EXPECT_TRUE(h.services().queue()->cancel(jobs.back().id));
  ASSERT_TRUE(waitUntil([&] { return h.services().queue()->pendingCount() == 0; }, 180000));
  EXPECT_EQ(h.galleryCount(), 2);
  EXPECT_EQ(h.window().queuePanel()->visibleJobs(), 0);
}

TEST(MainWindow, GallerySurvivesRestart) {
  TempDir library("gui-library");
  QString folder = QString::fromStdString(library.path().string());
  QStringList ids;
  {
    GuiHarness h(folder);
    typePrompt(h.window().generationPanel(), QStringLiteral("kept across restarts"));
    setSmallSize(h.window().generationPanel());
    h.window().generate();
    ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 1; }, 120000));
    for (const auto& r : h.services().library()->records()) ids << r.id;
  }
  GuiHarness again(folder);
  ASSERT_EQ(again.galleryCount(), 1);
  EXPECT_EQ(again.services().library()->records().front().id, ids.front());
  again.window().gallery()->searchBox()->setText(QStringLiteral("RESTARTS"));
  EXPECT_EQ(again.window().gallery()->view()->model()->rowCount(), 1);
  again.window().gallery()->searchBox()->setText(QStringLiteral("no such prompt"));
  EXPECT_EQ(again.window().gallery()->view()->model()->rowCount(), 0);
}

TEST(MainWindow, ExportsSelectedImagesWithoutOverwriting) {
  TempDir library("gui-library");
  TempDir exportDir("gui-export");
  GuiHarness h(QString::fromStdString(library.path().string()));
  typePrompt(h.window().generationPanel(), QStringLiteral("export me"));
  setSmallSize(h.window().generationPanel());
  h.window().generationPanel()->findChild<QSpinBox*>(QStringLiteral("countSpin"))->setValue(2);
  h.window().generate();
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 2; }, 120000));
  h.window().gallery()->view()->selectAll();
  QString folder = QString::fromStdString(exportDir.path().string());
  h.window().exportImages(false, folder, QStringLiteral("png"));
  QStringList files = QDir(folder).entryList(QDir::Files);
  ASSERT_EQ(files.size(), 2) << h.window().messages()->text().toStdString();
  for (const QString& f : files) {
    EXPECT_TRUE(f.contains(QStringLiteral("export-me")));
    QImageReader reader(QDir(folder).filePath(f));
    EXPECT_TRUE(reader.text(QStringLiteral("parameters")).contains(QStringLiteral("export me")));
  }
  // Same export again: two new files, the first two untouched.
  h.window().exportImages(false, folder, QStringLiteral("jpeg"));
  h.window().exportImages(false, folder, QStringLiteral("png"));
  EXPECT_EQ(QDir(folder).entryList(QDir::Files).size(), 6);
}

TEST(MainWindow, ServerToggleServesTheSameQueue) {
  TempDir library("gui-library");
  GuiHarness h(QString::fromStdString(library.path().string()));
  h.settings().setServerPort(0 + 18000 + (::getpid() % 2000));
  h.settings().setServerToken(QStringLiteral("secret-key"));
  ASSERT_TRUE(h.window().setServerEnabled(true)) << h.window().messages()->text().toStdString();
  EXPECT_TRUE(h.window().serverAction()->isChecked());
  EXPECT_TRUE(h.window().serverPanel()->urlText().contains(QStringLiteral("secret-key")));
  EXPECT_TRUE(h.window().serverPanel()->curlText().contains(QStringLiteral("/v1/images/generations")));

  int port = h.services().server()->port();
  std::atomic<bool> done{false};
  int status = 0;
  std::string body;
  std::thread client([&] {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(120, 0);
    httplib::Headers headers{{"Authorization", "Bearer secret-key"}};
    auto answer = c.Post("/v1/images/generations", headers,
                         R"({"prompt":"from the api","size":"256x256","n":1,"output_format":"png"})",
                         "application/json");
    if (answer) status = answer->status, body = answer->body;
    done = true;
  });
  const bool answered = waitUntil([&] { return done.load(); }, 120000);
  client.join();
  ASSERT_TRUE(answered);
  EXPECT_EQ(status, 200) << body;
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 1; }, 10000));
  EXPECT_EQ(h.services().library()->records().front().source, QStringLiteral("api"));
  ASSERT_TRUE(waitUntil([&] { return h.window().serverPanel()->logLines() >= 1; }, 5000));

  h.window().serverAction()->setChecked(false);
  EXPECT_FALSE(h.services().server()->isRunning());
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(1, 0);
  EXPECT_FALSE(c.Get("/health"));
}

}  // namespace
}  // namespace fd::test
