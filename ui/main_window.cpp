#include "main_window.h"

#include <QCloseEvent>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include "app_services.h"
#include "app_settings.h"
#include "details_panel.h"
#include "error_advice.h"
#include "gallery_widget.h"
#include "generation_panel.h"
#include "input_editor.h"
#include "lora_picker.h"
#include "message_bar.h"
#include "plural.h"
#include "progress_panel.h"
#include "prompt_edit.h"
#include "queue_panel.h"
#include "server_panel.h"
#include "service/api_server.h"
#include "service/job_queue.h"
#include "service/model_downloads.h"
#include "status_line.h"

namespace fd::ui {

MainWindow::MainWindow(AppSettings& settings, AppServices& services, QWidget* parent)
    : QMainWindow(parent), settings_(settings), services_(services) {
  setWindowTitle(tr("FluxDesk"));
  setObjectName(QStringLiteral("mainWindow"));
  resize(1280, 820);
  buildLayout();
  buildActions();
  status_ = new StatusLine(statusBar());
  connectServices();

  if (!settings_.windowGeometry().isEmpty()) restoreGeometry(settings_.windowGeometry());
  showDemoBanner();
  updateStatus();
  gallery_->selectFirst();
  panel_->promptEdit()->setFocus();
  // Load the model now, on the worker thread, so the first Generate starts at once.
  services_.queue()->warmUp();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildLayout() {
  auto* central = new QWidget(this);
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(6, 6, 6, 6);
  banner_ = new MessageBar(central);
  banner_->setObjectName(QStringLiteral("demoBanner"));
  messages_ = new MessageBar(central);
  messages_->setObjectName(QStringLiteral("messageBar"));
  layout->addWidget(banner_);
  layout->addWidget(messages_);

  auto* splitter = new QSplitter(Qt::Horizontal, central);
  auto* left = new QWidget(splitter);
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  panel_ = new GenerationPanel(left);
  progress_ = new ProgressPanel(left);
  queuePanel_ = new QueuePanel(services_.queue(), left);
  leftLayout->addWidget(panel_, 3);
  leftLayout->addWidget(progress_);
  leftLayout->addWidget(queuePanel_, 2);

  // Three columns: the form, the selected image (or the API panel), and
  // the gallery as a vertically scrolling grid (quick with thousands).
  rightTabs_ = new QTabWidget(splitter);
  details_ = new DetailsPanel(rightTabs_);
  serverPanel_ = new ServerPanel(services_.server(), rightTabs_);
  inputEditor_ = new InputEditor(panel_->inputImage(), rightTabs_);
  rightTabs_->addTab(details_, tr("Image"));
  rightTabs_->addTab(inputEditor_, tr("Input"));
  rightTabs_->addTab(serverPanel_, tr("Local API"));
  panel_->loraPicker()->setFolder(settings_.loraFolder());
  setAcceptDrops(true);
  gallery_ = new GalleryWidget(services_.library(), splitter);
  splitter->addWidget(left);
  splitter->addWidget(rightTabs_);
  splitter->addWidget(gallery_);
  splitter->setStretchFactor(0, 0);
  splitter->setStretchFactor(1, 1);
  splitter->setStretchFactor(2, 0);
  splitter->setChildrenCollapsible(false);
  splitter->setSizes({370, 690, 330});
  layout->addWidget(splitter, 1);
  setCentralWidget(central);
}

void MainWindow::connectServices() {
  JobQueue* queue = services_.queue();
  connect(panel_, &GenerationPanel::generateRequested, this, &MainWindow::generate);
  connect(panel_, &GenerationPanel::cancelRequested, this, &MainWindow::cancelRunning);
  connect(queue, &JobQueue::jobStarted, this, &MainWindow::onJobStarted);
  connect(queue, &JobQueue::jobProgress, this, &MainWindow::onJobProgress);
  connect(queue, &JobQueue::jobFinished, this, &MainWindow::onJobFinished);
  connect(queue, &JobQueue::engineProgress, this, [this](const Progress& p) {
    if (!runningJob_) progress_->update(p);  // loading ahead of the first job
  });
  connect(queue, &JobQueue::engineReady, this, &MainWindow::onEngineReady);
  connect(queue, &JobQueue::engineFailed, this, &MainWindow::onEngineFailed);
  connect(queue, &JobQueue::queueChanged, this, &MainWindow::updateStatus);
  // Downloads go on while the Models window is closed: say when one is done.
  connect(services_.downloads(), &ModelDownloads::finished, this, [this](const QString& id) {
    const ModelPreset* preset = services_.downloads()->preset(id);
    if (!preset || services_.paths().modelPreset == id) return;
    messages_->showMessage(
        MessageBar::Level::Info,
        tr("%1 is downloaded.").arg(QString::fromStdString(preset->title).toHtmlEscaped()),
        tr("Use this model"), [this, id] { useModelPreset(id); });
  });
  connect(gallery_, &GalleryWidget::currentChanged, details_, &DetailsPanel::showRecord);
  connect(gallery_, &GalleryWidget::currentChanged, this,
          [this](const std::optional<ImageRecord>& record) {
            if (record) rightTabs_->setCurrentWidget(details_);
          });
  connect(details_, &DetailsPanel::reuseSettingsRequested, this, &MainWindow::reuseSettings);
  connect(details_, &DetailsPanel::useAsInputRequested, this, &MainWindow::useAsInput);
  connect(gallery_, &GalleryWidget::reuseSettingsRequested, this, &MainWindow::reuseSettings);
  connect(gallery_, &GalleryWidget::useAsInputRequested, this, &MainWindow::useAsInput);
  connect(panel_, &GenerationPanel::openInputRequested, this, &MainWindow::chooseInputImage);
  connect(details_, &DetailsPanel::reuseSeedRequested, panel_, &GenerationPanel::setSeed);
  connect(details_, &DetailsPanel::exportRequested, this, [this] { exportImages(false); });
  connect(details_, &DetailsPanel::deleteRequested, this,
          [this](const QString& id) { deleteImage(id); });
}

void MainWindow::showDemoBanner() {
  if (const auto& problem = services_.modelProblem()) {
    banner_->showMessage(MessageBar::Level::Warning,
                         tr("The model chosen in the Models window cannot be used: %1")
                             .arg(QString::fromStdString(problem->message).toHtmlEscaped()),
                         tr("Models…"), [this] { openModels(); });
    return;
  }
  if (!services_.usingDemoModel()) {
    banner_->clearMessage();
    return;
  }
  banner_->showMessage(
      MessageBar::Level::Info,
      tr("FluxDesk is running its built-in <b>demo model</b>: it draws abstract patterns, not "
         "FLUX.1 images. Download a FLUX.1 [schnell] model (or choose a folder you have) to make "
         "real images."),
      tr("Get a model…"), [this] { openModels(); });
}

QString MainWindow::statusText() const { return status_->text(); }

void MainWindow::updateStatus() {
  JobQueue* queue = services_.queue();
  status_->setModel(modelInfo_ ? *modelInfo_ : queue->modelInfo(), modelInfo_.has_value(),
                    services_.usingDemoModel());
  status_->setQueueLength(queue->pendingCount());
}

void MainWindow::generate() {
  QString problem = panel_->validationProblem();
  if (!problem.isEmpty()) {
    messages_->showMessage(MessageBar::Level::Warning, problem);
    return;
  }
  messages_->clearMessage();
  JobQueue::Submission submission =
      services_.queue()->submit(panel_->currentRequest(), job_source::gui());
  if (!submission.ok()) {
    if (submission.error)
      showError(*submission.error);
    else
      messages_->showMessage(
          MessageBar::Level::Warning,
          tr("The queue is full (%1 jobs); wait for one to finish or cancel one.")
              .arg(services_.queue()->capacity()));
  }
  updateStatus();
}

void MainWindow::cancelRunning() {
  if (runningJob_) services_.queue()->cancel(runningJob_);
}

void MainWindow::onJobStarted(quint64 id) {
  runningJob_ = id;
  progress_->start();
  panel_->setBusy(true);
}

void MainWindow::onJobProgress(quint64 id, const Progress& progress) {
  if (id == runningJob_) progress_->update(progress);
}

void MainWindow::onJobFinished(quint64 id, const JobOutcome& outcome) {
  if (id == runningJob_) {
    runningJob_ = 0;
    panel_->setBusy(false);
  }
  // A job may have loaded the model itself (after a settings change).
  if (!modelInfo_ && services_.queue()->engine().isReady())
    modelInfo_ = services_.queue()->modelInfo();
  switch (outcome.state) {
    case JobState::Done: {
      const auto& result = outcome.result;
      const int images = result ? int(result->images.size()) : 0;
      progress_->finish(tr("Done: %1 in %2 s")
                            .arg(countOf(images, tr("1 image"), tr("%1 images")))
                            .arg(outcome.seconds, 0, 'f', 1));
      if (result && outcome.source == job_source::gui()) {
        const PromptReport& p = result->prompt;
        QStringList notes;
        if (p.clipTruncated)
          notes
              << tr("CLIP read only the first %1 of %2 tokens.").arg(p.clipLimit).arg(p.clipTokens);
        if (p.t5Truncated)
          notes << tr("T5 read only the first %1 of %2 tokens.").arg(p.t5Limit).arg(p.t5Tokens);
        panel_->setPromptNote(
            notes.isEmpty() ? QString()
                            : tr("Prompt too long, the end was ignored: %1 Shorten it to keep "
                                 "every word.")
                                  .arg(notes.join(QLatin1Char(' '))));
      }
      if (outcome.saveError) showError(*outcome.saveError);
      if (!outcome.records.empty() && outcome.source == job_source::gui())
        gallery_->selectId(outcome.records.front().id);
      break;
    }
    case JobState::Cancelled: progress_->finish(tr("Cancelled.")); break;
    case JobState::Failed:
      progress_->finish(tr("Failed: see the message above."));
      if (outcome.error) showError(*outcome.error);
      break;
    default: break;
  }
  updateStatus();
}

void MainWindow::onEngineReady(const ModelInfo& info) {
  modelInfo_ = info;
  panel_->setModel(info);
  updateModelsWindow();
  if (!runningJob_)
    progress_->showIdle(
        tr("Ready: %1 on %2.")
            .arg(QString::fromStdString(info.name), QString::fromStdString(info.device)));
  updateStatus();
}

void MainWindow::onEngineFailed(const Error& error) {
  modelInfo_.reset();
  progress_->finish(tr("The model could not be loaded."));
  showError(error);
  updateStatus();
}

void MainWindow::showError(const Error& error) {
  const bool model = isModelError(error);
  messages_->showMessage(
      MessageBar::Level::Error, describeError(error).toHtmlEscaped().replace('\n', "<br>"),
      model ? tr("Settings…") : QString(),
      model ? std::function<void()>([this] { openSettings(); }) : std::function<void()>());
}

void MainWindow::closeEvent(QCloseEvent* event) {
  settings_.setWindowGeometry(saveGeometry());
  services_.server()->stop();
  // Finished images are already on disk; a running job is cancelled.
  services_.queue()->cancelAll();
  QMainWindow::closeEvent(event);
}

}  // namespace fd::ui
