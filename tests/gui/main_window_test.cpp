// Drives the real window: type, click, wait for the gallery, check disk.
#include <gtest/gtest.h>

#include <QElapsedTimer>
#include <QImage>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QTest>
#include <QToolButton>

#include <iostream>

#include "details_panel.h"
#include "gallery_model.h"
#include "gallery_widget.h"
#include "generation_panel.h"
#include "gui_fixture.h"
#include "message_bar.h"
#include "progress_panel.h"
#include "prompt_edit.h"
#include "queue_panel.h"
#include "service/image_library.h"
#include "service/job_queue.h"

namespace fd::test {
namespace {

QString folderOf(const TempDir& dir) { return QString::fromStdString(dir.path().string()); }

TEST(MainWindow, GenerateFillsGalleryAndWritesPngWithMetadata) {
  TempDir library("gui-library");
  GuiHarness h(folderOf(library));
  auto& w = h.window();
  EXPECT_TRUE(w.demoBanner()->text().contains(QStringLiteral("demo model")));
  EXPECT_TRUE(w.demoBanner()->actionButton()->isVisible());
  ASSERT_TRUE(h.waitForModel()) << w.messages()->text().toStdString();
  EXPECT_TRUE(w.statusText().contains(QStringLiteral("Device: cpu"))) << w.statusText().toStdString();

  // What the progress panel shows at each denoising step.
  QStringList stepTexts;
  bool previewSeen = false;
  QObject::connect(h.services().queue(), &JobQueue::jobProgress, &w, [&](quint64, const Progress& p) {
    if (p.stage != Stage::Denoising) return;
    stepTexts << w.progressPanel()->statusText();
    previewSeen = previewSeen || w.progressPanel()->hasPreview();
  });

  h.typePrompt(QStringLiteral("a lighthouse at dusk"));
  h.setSize(256, 256);
  h.setCount(2);
  h.clickGenerate();
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 2; }, 120000)) << w.messages()->text().toStdString();

  const auto records = h.services().library()->records();
  ASSERT_EQ(records.size(), 2u);
  for (const auto& r : records) {
    ASSERT_TRUE(QFileInfo::exists(r.filePath));
    QImage image(r.filePath);
    EXPECT_EQ(image.size(), QSize(256, 256));
    // The text chunks, exactly as written (QImage keeps line breaks).
    const QString parameters = image.text(QStringLiteral("parameters"));
    EXPECT_TRUE(parameters.startsWith(QStringLiteral("a lighthouse at dusk\nSteps: 4"))) << parameters.toStdString();
    EXPECT_TRUE(parameters.contains(QStringLiteral("Seed: %1").arg(r.seed))) << parameters.toStdString();
    const QString json = image.text(QStringLiteral("fluxdesk"));
    EXPECT_TRUE(json.contains(QStringLiteral("\"seed\":%1").arg(r.seed))) << json.toStdString();
    EXPECT_EQ(r.source, QStringLiteral("gui"));
  }
  // Seeds of one request are consecutive (image i uses seed + i).
  EXPECT_EQ(std::max(records[0].seed, records[1].seed) - std::min(records[0].seed, records[1].seed), 1u);

  // Every step was reported with its time and what is left, with a preview.
  ASSERT_EQ(stepTexts.size(), 4) << stepTexts.join(" / ").toStdString();
  EXPECT_TRUE(stepTexts.front().startsWith(QStringLiteral("Step 1 of 4"))) << stepTexts.front().toStdString();
  EXPECT_TRUE(stepTexts.front().contains(QStringLiteral("left"))) << stepTexts.front().toStdString();
  EXPECT_TRUE(previewSeen);
  EXPECT_TRUE(w.progressPanel()->statusText().startsWith(QStringLiteral("Done: 2 images")))
      << w.progressPanel()->statusText().toStdString();

  // The newest image is selected and shown large with its settings.
  ASSERT_TRUE(waitUntil([&] { return w.details()->record().has_value(); }, 5000));
  EXPECT_TRUE(w.details()->infoText().contains(QStringLiteral("lighthouse")));
  EXPECT_TRUE(w.statusText().contains(QStringLiteral("demo"), Qt::CaseInsensitive)) << w.statusText().toStdString();
  EXPECT_TRUE(w.statusText().contains(QStringLiteral("Queue: empty"))) << w.statusText().toStdString();

  // "Reuse seed" fixes the seed of the selected image in the form.
  QTest::mouseClick(w.details()->findChild<QToolButton*>(QStringLiteral("reuseSeedButton")), Qt::LeftButton);
  EXPECT_EQ(w.generationPanel()->currentRequest().seed, w.details()->record()->seed);
}

TEST(MainWindow, EmptyPromptIsExplainedNotQueued) {
  TempDir library("gui-library");
  GuiHarness h(folderOf(library));
  h.window().generationPanel()->promptEdit()->clear();
  h.clickGenerate();
  EXPECT_TRUE(h.window().messages()->text().contains(QStringLiteral("Type a prompt")));
  EXPECT_EQ(h.services().queue()->pendingCount(), 0);
}

TEST(MainWindow, CancelRunningJobLeavesGalleryUnchangedAndAppUsable) {
  TempDir library("gui-library");
  GuiHarness h(folderOf(library));
  auto* panel = h.window().generationPanel();
  h.typePrompt(QStringLiteral("a job to cancel"));
  h.setSize(512, 512);
  h.setCount(1);
  bool denoising = false;
  std::optional<JobState> finished;
  QObject::connect(h.services().queue(), &JobQueue::jobProgress, &h.window(),
                   [&](quint64, const Progress& p) { denoising = denoising || p.stage == Stage::Denoising; });
  QObject::connect(h.services().queue(), &JobQueue::jobFinished, &h.window(),
                   [&](quint64, const JobOutcome& o) { finished = o.state; });
  QTest::keyClick(panel->promptEdit(), Qt::Key_Return, Qt::ControlModifier);  // Ctrl+Enter generates
  ASSERT_TRUE(waitUntil([&] { return denoising; }, 120000));
  ASSERT_TRUE(panel->cancelButton()->isEnabled());
  QElapsedTimer clock;
  clock.start();
  QTest::mouseClick(panel->cancelButton(), Qt::LeftButton);
  ASSERT_TRUE(waitUntil([&] { return finished.has_value(); }, 60000));
  std::cout << "[ info ] the job ended " << clock.elapsed() << " ms after Cancel\n";
  EXPECT_EQ(*finished, JobState::Cancelled);
  EXPECT_EQ(h.galleryCount(), 0);
  EXPECT_EQ(h.services().library()->count(), 0);
  EXPECT_TRUE(h.window().progressPanel()->statusText().contains(QStringLiteral("Cancelled")));
  EXPECT_FALSE(panel->cancelButton()->isEnabled());

  // The next job still works.
  h.setSize(256, 256);
  h.setCount(1);
  h.clickGenerate();
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 1; }, 120000));
}

TEST(MainWindow, QueuedJobsAreVisibleAndCancellableFromTheirRow) {
  TempDir library("gui-library");
  GuiHarness h(folderOf(library));
  h.typePrompt(QStringLiteral("queued"));
  h.setSize(256, 256);
  for (int i = 0; i < 3; ++i) h.clickGenerate();
  auto* queuePanel = h.window().queuePanel();
  ASSERT_TRUE(waitUntil([&] { return queuePanel->visibleJobs() == 3; }, 5000)) << queuePanel->visibleJobs();
  EXPECT_TRUE(h.window().statusText().contains(QStringLiteral("Queue: 3 jobs")) ||
              h.window().statusText().contains(QStringLiteral("Queue: 2 jobs")))
      << h.window().statusText().toStdString();
  // The last one waits; cancel it with its own button.
  const auto jobs = h.services().queue()->jobs();
  ASSERT_EQ(jobs.size(), 3u);
  const quint64 last = jobs.back().id;
  EXPECT_TRUE(queuePanel->rowText(last).contains(QStringLiteral("waiting"))) << queuePanel->rowText(last).toStdString();
  EXPECT_TRUE(queuePanel->rowText(last).contains(QStringLiteral("from gui")));
  QToolButton* cancel = queuePanel->cancelButtonFor(last);
  ASSERT_NE(cancel, nullptr);
  QTest::mouseClick(cancel, Qt::LeftButton);
  ASSERT_TRUE(waitUntil([&] { return h.services().queue()->pendingCount() == 0 && queuePanel->visibleJobs() == 0; },
                        180000));
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 2; }, 5000)) << h.galleryCount();
}

TEST(MainWindow, GallerySurvivesRestartAndSearchFilters) {
  TempDir library("gui-library");
  QStringList ids;
  {
    GuiHarness h(folderOf(library));
    h.typePrompt(QStringLiteral("kept across restarts"));
    h.setSize(256, 256);
    h.clickGenerate();
    ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 1; }, 120000));
    h.typePrompt(QStringLiteral("a second picture"));
    h.clickGenerate();
    ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 2; }, 120000));
    for (const auto& r : h.services().library()->records()) ids << r.id;
  }
  GuiHarness again(folderOf(library));
  ASSERT_EQ(again.galleryCount(), 2);
  QStringList idsAgain;
  for (const auto& r : again.services().library()->records()) idsAgain << r.id;
  EXPECT_EQ(idsAgain, ids);
  // The newest is selected and shown at start.
  ASSERT_TRUE(again.window().details()->record().has_value());
  EXPECT_EQ(again.window().details()->record()->prompt, QStringLiteral("a second picture"));

  QLineEdit* search = again.window().gallery()->searchBox();
  QTest::keyClicks(search, QStringLiteral("RESTARTS"));
  EXPECT_EQ(again.window().gallery()->view()->model()->rowCount(), 1);
  search->clear();
  QTest::keyClicks(search, QStringLiteral("no such prompt"));
  EXPECT_EQ(again.window().gallery()->view()->model()->rowCount(), 0);
  search->clear();
  EXPECT_EQ(again.window().gallery()->view()->model()->rowCount(), 2);
}

TEST(MainWindow, ModelErrorIsExplainedAndTheAppRecovers) {
  TempDir library("gui-library");
  TempDir empty("gui-no-model");
  GuiHarness h(folderOf(library));
  ASSERT_TRUE(h.waitForModel());
  // As if the settings pointed at a folder without weights.
  EngineOptions cpu;
  cpu.device = DevicePreference::Cpu;
  h.services().reconfigure(folderOf(empty), cpu);
  h.typePrompt(QStringLiteral("needs a model"));
  h.setSize(256, 256);
  h.clickGenerate();
  auto* messages = h.window().messages();
  ASSERT_TRUE(waitUntil([&] { return messages->level() == ui::MessageBar::Level::Error && !messages->text().isEmpty(); },
                        60000));
  EXPECT_TRUE(messages->text().contains(QStringLiteral("Settings"))) << messages->text().toStdString();
  EXPECT_TRUE(messages->actionButton()->isVisible());
  EXPECT_EQ(h.galleryCount(), 0);

  h.services().reconfigure(QString(), cpu);  // back to the demo model
  h.clickGenerate();
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 1; }, 120000)) << messages->text().toStdString();
}

}  // namespace
}  // namespace fd::test
