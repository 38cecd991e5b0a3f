// Drives the real window: type, click, wait for the gallery, check disk.
#include <gtest/gtest.h>

#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QElapsedTimer>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTest>
#include <QTimer>
#include <QToolButton>
#include <iostream>

#include "details_panel.h"
#include "gallery_model.h"
#include "gallery_widget.h"
#include "generation_panel.h"
#include "gui_fixture.h"
#include "message_bar.h"
#include "pipeline/request_validation.h"
#include "progress_panel.h"
#include "prompt_edit.h"
#include "queue_panel.h"
#include "service/image_library.h"
#include "service/job_queue.h"
#include "size_presets.h"

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
  EXPECT_TRUE(w.statusText().contains(QStringLiteral("Device: CPU, ")))
      << w.statusText().toStdString();

  // What the progress panel shows at each denoising step.
  QStringList stepTexts;
  bool previewSeen = false;
  QObject::connect(h.services().queue(), &JobQueue::jobProgress, &w,
                   [&](quint64, const Progress& p) {
                     if (p.stage != Stage::Denoising) return;
                     stepTexts << w.progressPanel()->statusText();
                     previewSeen = previewSeen || w.progressPanel()->hasPreview();
                   });

  h.typePrompt(QStringLiteral("a lighthouse at dusk"));
  h.setSize(256, 256);
  h.setCount(2);
  h.clickGenerate();
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 2; }, 120000))
      << w.messages()->text().toStdString();

  const auto records = h.services().library()->records();
  ASSERT_EQ(records.size(), 2u);
  for (const auto& r : records) {
    ASSERT_TRUE(QFileInfo::exists(r.filePath));
    QImage image(r.filePath);
    EXPECT_EQ(image.size(), QSize(256, 256));
    // The text chunks, exactly as written (QImage keeps line breaks).
    const QString parameters = image.text(QStringLiteral("parameters"));
    EXPECT_TRUE(parameters.startsWith(QStringLiteral("a lighthouse at dusk\nSteps: 4")))
        << parameters.toStdString();
    EXPECT_TRUE(parameters.contains(QStringLiteral("Seed: %1").arg(r.seed)))
        << parameters.toStdString();
    const QString json = image.text(QStringLiteral("fluxdesk"));
    EXPECT_TRUE(json.contains(QStringLiteral("\"seed\":%1").arg(r.seed))) << json.toStdString();
    EXPECT_EQ(r.source, QStringLiteral("gui"));
  }
  // Seeds of one request are consecutive (image i uses seed + i).
  EXPECT_EQ(std::max(records[0].seed, records[1].seed) - std::min(records[0].seed, records[1].seed),
            1u);

  // Every step was reported with its time and what is left, with a preview.
  ASSERT_EQ(stepTexts.size(), 4) << stepTexts.join(" / ").toStdString();
  EXPECT_TRUE(stepTexts.front().startsWith(QStringLiteral("Step 1 of 4")))
      << stepTexts.front().toStdString();
  EXPECT_TRUE(stepTexts.front().contains(QStringLiteral("left")))
      << stepTexts.front().toStdString();
  EXPECT_TRUE(previewSeen);
  EXPECT_TRUE(w.progressPanel()->statusText().startsWith(QStringLiteral("Done: 2 images")))
      << w.progressPanel()->statusText().toStdString();

  // The newest image is selected and shown large with its settings.
  ASSERT_TRUE(waitUntil([&] { return w.details()->record().has_value(); }, 5000));
  EXPECT_TRUE(w.details()->infoText().contains(QStringLiteral("lighthouse")));
  EXPECT_TRUE(w.statusText().contains(QStringLiteral("demo"), Qt::CaseInsensitive))
      << w.statusText().toStdString();
  EXPECT_TRUE(w.statusText().contains(QStringLiteral("Queue: empty")))
      << w.statusText().toStdString();

  // "Reuse seed" fixes the seed of the selected image in the form.
  QTest::mouseClick(w.details()->findChild<QToolButton*>(QStringLiteral("reuseSeedButton")),
                    Qt::LeftButton);
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

// The form is judged by the engine's one validator, and its widgets take
// their ranges from the same limits.
TEST(MainWindow, FormUsesTheOneRequestValidatorAndItsLimits) {
  TempDir library("gui-library");
  GuiHarness h(folderOf(library));
  auto* panel = h.window().generationPanel();
  auto* width = panel->findChild<QSpinBox*>(QStringLiteral("widthSpin"));
  auto* count = panel->findChild<QSpinBox*>(QStringLiteral("countSpin"));
  ASSERT_TRUE(width && count);
  EXPECT_EQ(width->minimum(), kRequestLimits.minSide);
  EXPECT_EQ(width->maximum(), kRequestLimits.maxSide);
  EXPECT_EQ(width->singleStep(), kRequestLimits.sideMultiple);
  EXPECT_EQ(count->maximum(), kRequestLimits.maxImagesPerRequest);
  // Every size preset meets the rules.
  ModelInfo model = h.services().queue()->modelInfo();
  for (const auto& preset : ui::sizePresets()) {
    GenerationRequest request;
    request.prompt = "x";
    request.width = preset.width;
    request.height = preset.height;
    EXPECT_FALSE(findRequestProblem(request, model).has_value()) << preset.label.toStdString();
  }
  // A typed size off the 16 grid is refused with the validator's own words.
  h.typePrompt(QStringLiteral("a fox"));
  width->setValue(1000);
  h.clickGenerate();
  EXPECT_TRUE(
      h.window().messages()->text().contains(QStringLiteral("Width 1000 is not a multiple of 16")))
      << h.window().messages()->text().toStdString();
  EXPECT_EQ(h.services().queue()->pendingCount(), 0);
}

TEST(MainWindow, CancelRunningJobLeavesGalleryUnchangedAndAppUsable) {
  TempDir library("gui-library");
  GuiHarness h(folderOf(library));
  auto* panel = h.window().generationPanel();
  h.typePrompt(QStringLiteral("a job to cancel"));
  h.setSize(768, 768);
  h.setCount(1);
  h.setSteps(4);
  // Cancel is clicked as soon as the first step is reported (the worker is
  // then on step 2 of 4), so the job is surely still running.
  bool clicked = false;
  QElapsedTimer clock;
  std::optional<JobState> finished;
  QObject::connect(h.services().queue(), &JobQueue::jobProgress, &h.window(),
                   [&](quint64, const Progress& p) {
                     if (clicked || p.stage != Stage::Denoising) return;
                     clicked = true;
                     EXPECT_TRUE(panel->cancelButton()->isEnabled());
                     clock.start();
                     QTest::mouseClick(panel->cancelButton(), Qt::LeftButton);
                   });
  QObject::connect(h.services().queue(), &JobQueue::jobFinished, &h.window(),
                   [&](quint64, const JobOutcome& o) { finished = o.state; });
  QTest::keyClick(panel->promptEdit(), Qt::Key_Return,
                  Qt::ControlModifier);  // Ctrl+Enter generates
  ASSERT_TRUE(waitUntil([&] { return finished.has_value(); }, 120000));
  ASSERT_TRUE(clicked);
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
  h.setSize(512, 512);  // long enough that the third job surely still waits
  for (int i = 0; i < 3; ++i) h.clickGenerate();
  auto* queuePanel = h.window().queuePanel();
  ASSERT_TRUE(waitUntil([&] { return queuePanel->visibleJobs() == 3; }, 5000))
      << queuePanel->visibleJobs();
  EXPECT_TRUE(h.window().statusText().contains(QStringLiteral("Queue: 3 jobs")) ||
              h.window().statusText().contains(QStringLiteral("Queue: 2 jobs")))
      << h.window().statusText().toStdString();
  // The last one waits; cancel it with its own button.
  const auto jobs = h.services().queue()->jobs();
  ASSERT_GE(jobs.size(), 2u);
  ASSERT_EQ(jobs.back().state, JobState::Queued);
  const quint64 last = jobs.back().id;
  EXPECT_TRUE(queuePanel->rowText(last).contains(QStringLiteral("waiting")))
      << queuePanel->rowText(last).toStdString();
  EXPECT_TRUE(queuePanel->rowText(last).contains(QStringLiteral("from gui")));
  QToolButton* cancel = queuePanel->cancelButtonFor(last);
  ASSERT_NE(cancel, nullptr);
  QTest::mouseClick(cancel, Qt::LeftButton);
  ASSERT_TRUE(waitUntil(
      [&] { return h.services().queue()->pendingCount() == 0 && queuePanel->visibleJobs() == 0; },
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
  ASSERT_TRUE(waitUntil(
      [&] {
        return messages->level() == ui::MessageBar::Level::Error && !messages->text().isEmpty();
      },
      60000));
  EXPECT_TRUE(messages->text().contains(QStringLiteral("Settings")))
      << messages->text().toStdString();
  EXPECT_TRUE(messages->actionButton()->isVisible());
  EXPECT_EQ(h.galleryCount(), 0);

  h.services().reconfigure(QString(), cpu);  // back to the demo model
  h.clickGenerate();
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 1; }, 120000))
      << messages->text().toStdString();
}

// Answers the next modal dialog (a QMessageBox) with `button`, from the event loop.
void answerNextMessageBox(QMessageBox::StandardButton button) {
  auto* timer = new QTimer();
  timer->setInterval(20);
  QObject::connect(timer, &QTimer::timeout, timer, [timer, button] {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    if (!box) return;
    box->button(button)->click();
    timer->deleteLater();
  });
  timer->start();
}

TEST(MainWindow, ImageActionsReuseCopyAndDeleteAfterConfirmation) {
  TempDir library("gui-library");
  GuiHarness h(folderOf(library));
  auto& w = h.window();
  h.typePrompt(QStringLiteral("a fox in the snow"));
  h.setSize(256, 320);
  h.setSteps(2);
  h.clickGenerate();
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 1; }, 120000));
  ASSERT_TRUE(w.details()->record().has_value());
  const ImageRecord record = *w.details()->record();
  EXPECT_EQ(record.steps, 2);
  EXPECT_EQ(record.height, 320);

  // Reuse all settings: a fresh form takes the prompt, size, steps and seed.
  h.typePrompt(QStringLiteral("something else"));
  h.setSize(512, 512);
  h.setSteps(4);
  QTest::mouseClick(w.details()->findChild<QToolButton*>(QStringLiteral("reuseSettingsButton")),
                    Qt::LeftButton);
  const GenerationRequest again = w.generationPanel()->currentRequest();
  EXPECT_EQ(again.prompt, "a fox in the snow");
  EXPECT_EQ(again.width, 256);
  EXPECT_EQ(again.height, 320);
  EXPECT_EQ(again.steps, 2);
  ASSERT_TRUE(again.seed.has_value());
  EXPECT_EQ(*again.seed, record.seed);

  QTest::mouseClick(w.details()->findChild<QToolButton*>(QStringLiteral("copyPromptButton")),
                    Qt::LeftButton);
  EXPECT_EQ(QApplication::clipboard()->text(), QStringLiteral("a fox in the snow"));
  QTest::mouseClick(w.details()->findChild<QToolButton*>(QStringLiteral("copyImageButton")),
                    Qt::LeftButton);
  EXPECT_EQ(QApplication::clipboard()->image().size(), QSize(256, 320));

  // Delete asks first: "No" keeps the image, "Yes" removes the PNG and its sidecar.
  const QString sidecar =
      QFileInfo(record.filePath).absoluteDir().filePath(record.id + QStringLiteral(".json"));
  ASSERT_TRUE(QFileInfo::exists(sidecar));
  auto* remove = w.details()->findChild<QToolButton*>(QStringLiteral("deleteButton"));
  answerNextMessageBox(QMessageBox::No);
  QTest::mouseClick(remove, Qt::LeftButton);
  EXPECT_EQ(h.galleryCount(), 1);
  EXPECT_TRUE(QFileInfo::exists(record.filePath));
  answerNextMessageBox(QMessageBox::Yes);
  QTest::mouseClick(remove, Qt::LeftButton);
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 0; }, 5000));
  EXPECT_FALSE(QFileInfo::exists(record.filePath));
  EXPECT_FALSE(QFileInfo::exists(sidecar));
  EXPECT_FALSE(w.details()->record().has_value());
  // It went to the (test) home's trash, not into the working directory.
  const QString trashed = QFileInfo(record.filePath).fileName() + QStringLiteral(".trashinfo");
  EXPECT_FALSE(QFileInfo::exists(QDir::current().filePath(QStringLiteral("info/") + trashed)));
  EXPECT_TRUE(
      QFileInfo::exists(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
                        QStringLiteral("/Trash/info/") + trashed));
}

TEST(MainWindow, TooLongPromptIsReportedAfterTheJob) {
  TempDir library("gui-library");
  GuiHarness h(folderOf(library));
  QStringList words;
  for (int i = 0; i < 120; ++i) words << QStringLiteral("word%1").arg(i);
  h.window().generationPanel()->promptEdit()->setPlainText(words.join(QLatin1Char(' ')));
  h.setSize(256, 256);
  h.setSteps(1);
  h.clickGenerate();
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 1; }, 120000));
  auto* note = h.window().generationPanel()->findChild<QLabel*>(QStringLiteral("promptNote"));
  ASSERT_NE(note, nullptr);
  EXPECT_TRUE(note->isVisible());
  EXPECT_TRUE(note->text().contains(QStringLiteral("CLIP read only the first 77")))
      << note->text().toStdString();
}

}  // namespace
}  // namespace fd::test
