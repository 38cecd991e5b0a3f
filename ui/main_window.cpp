#include "main_window.h"

#include <QAction>
#include <QCloseEvent>
#include <QFileDialog>
#include <QImageReader>
#include <QLabel>
#include <QMessageBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>

#include "app_services.h"
#include "app_settings.h"
#include "details_panel.h"
#include "gallery_widget.h"
#include "generation_panel.h"
#include "image_exporter.h"
#include "message_bar.h"
#include "progress_panel.h"
#include "prompt_edit.h"
#include "queue_panel.h"
#include "server_panel.h"
#include "service/api_server.h"
#include "service/image_library.h"
#include "service/job_queue.h"
#include "settings_dialog.h"

namespace fd::ui {

namespace {

// What to do about each kind of error, in the user's words.
QString adviceFor(const Error& error) {
  switch (error.kind) {
    case ErrorKind::ModelMissing:
      return QObject::tr("Choose a complete FLUX.1-schnell folder in Settings.");
    case ErrorKind::ModelInvalid:
      return QObject::tr("The model files look damaged or are not FLUX.1 weights; check the folder in Settings.");
    case ErrorKind::OutOfMemory:
      return QObject::tr("Try a smaller size, fewer images, or a lower GPU memory mode in Settings.");
    case ErrorKind::Io:
      return QObject::tr("Check that the disk has room and the folder is writable.");
    case ErrorKind::BadRequest:
      return {};
    default:
      return QObject::tr("FluxDesk keeps working; try again.");
  }
}

ExportItem exportItemFor(const ImageRecord& r) {
  ExportItem item;
  item.sourcePath = r.filePath;
  item.prompt = r.prompt;
  item.seed = r.seed;
  item.created = r.created;
  QImageReader reader(r.filePath);  // PNG text chunks carry the settings along
  item.parametersText = reader.text(QStringLiteral("parameters"));
  item.settingsJson = reader.text(QStringLiteral("fluxdesk"));
  return item;
}

}  // namespace

MainWindow::MainWindow(AppSettings& settings, AppServices& services, QWidget* parent)
    : QMainWindow(parent), settings_(settings), services_(services) {
  setWindowTitle(tr("FluxDesk"));
  setObjectName(QStringLiteral("mainWindow"));
  resize(1280, 820);

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
  leftLayout->addWidget(panel_, 1);
  leftLayout->addWidget(progress_);
  leftLayout->addWidget(queuePanel_);

  auto* right = new QSplitter(Qt::Vertical, splitter);
  gallery_ = new GalleryWidget(services_.library(), right);
  rightTabs_ = new QTabWidget(right);
  details_ = new DetailsPanel(rightTabs_);
  serverPanel_ = new ServerPanel(services_.server(), rightTabs_);
  rightTabs_->addTab(details_, tr("Image"));
  rightTabs_->addTab(serverPanel_, tr("Local API"));
  right->addWidget(gallery_);
  right->addWidget(rightTabs_);
  right->setStretchFactor(0, 2);
  right->setStretchFactor(1, 3);
  splitter->addWidget(left);
  splitter->addWidget(right);
  splitter->setStretchFactor(0, 0);
  splitter->setStretchFactor(1, 1);
  splitter->setSizes({360, 920});
  layout->addWidget(splitter, 1);
  setCentralWidget(central);

  buildToolbar();
  buildStatusBar();

  JobQueue* queue = services_.queue();
  connect(panel_, &GenerationPanel::generateRequested, this, &MainWindow::generate);
  connect(panel_, &GenerationPanel::cancelRequested, this, &MainWindow::cancelRunning);
  connect(queue, &JobQueue::jobStarted, this, &MainWindow::onJobStarted);
  connect(queue, &JobQueue::jobProgress, this, &MainWindow::onJobProgress);
  connect(queue, &JobQueue::jobFinished, this, &MainWindow::onJobFinished);
  connect(queue, &JobQueue::engineProgress, this, [this](const Progress& p) {
    if (!runningJob_) progress_->update(p);
  });
  connect(queue, &JobQueue::engineReady, this, &MainWindow::onEngineReady);
  connect(queue, &JobQueue::engineFailed, this, &MainWindow::onEngineFailed);
  connect(queue, &JobQueue::queueChanged, this, &MainWindow::updateStatus);
  connect(gallery_, &GalleryWidget::currentChanged, details_, &DetailsPanel::showRecord);
  connect(details_, &DetailsPanel::reuseSettingsRequested, this, [this](const ImageRecord& r) {
    GenerationRequest request;
    request.prompt = r.prompt.toStdString();
    request.width = r.width;
    request.height = r.height;
    request.steps = r.steps;
    request.seed = r.seed;
    request.guidance = r.guidance;
    panel_->setSettings(request);
  });
  connect(details_, &DetailsPanel::reuseSeedRequested, panel_, &GenerationPanel::setSeed);
  connect(details_, &DetailsPanel::exportRequested, this, [this] { exportImages(false); });
  connect(details_, &DetailsPanel::deleteRequested, this, [this](const QString& id) { deleteImage(id); });

  if (!settings_.windowGeometry().isEmpty()) restoreGeometry(settings_.windowGeometry());
  showDemoBanner();
  updateStatus();
  gallery_->selectFirst();
  panel_->promptEdit()->setFocus();
  // Load the model now, on the worker thread, so the first Generate starts at once.
  queue->warmUp();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildToolbar() {
  QToolBar* bar = addToolBar(tr("Main"));
  bar->setObjectName(QStringLiteral("mainToolbar"));
  bar->setMovable(false);
  QAction* generateAction = bar->addAction(tr("Generate"), this, &MainWindow::generate);
  generateAction->setToolTip(tr("Queue a generation (Ctrl+Enter in the prompt)"));
  bar->addAction(tr("Export selected…"), this, [this] { exportImages(false); });
  bar->addAction(tr("Export all…"), this, [this] { exportImages(true); });
  bar->addSeparator();
  serverAction_ = bar->addAction(tr("API server"));
  serverAction_->setObjectName(QStringLiteral("serverAction"));
  serverAction_->setCheckable(true);
  serverAction_->setToolTip(tr("Serve the OpenAI-compatible image API on localhost"));
  connect(serverAction_, &QAction::toggled, this, [this](bool on) { setServerEnabled(on); });
  bar->addSeparator();
  bar->addAction(tr("Settings…"), this, &MainWindow::openSettings);
}

void MainWindow::buildStatusBar() {
  modelStatus_ = new QLabel(this);
  modelStatus_->setObjectName(QStringLiteral("modelStatus"));
  deviceStatus_ = new QLabel(this);
  deviceStatus_->setObjectName(QStringLiteral("deviceStatus"));
  queueStatus_ = new QLabel(this);
  queueStatus_->setObjectName(QStringLiteral("queueStatus"));
  statusBar()->addWidget(modelStatus_, 1);
  statusBar()->addPermanentWidget(deviceStatus_);
  statusBar()->addPermanentWidget(queueStatus_);
}

void MainWindow::showDemoBanner() {
  if (!services_.usingDemoModel()) {
    banner_->clearMessage();
    return;
  }
  banner_->showMessage(MessageBar::Level::Info,
                       tr("FluxDesk is running its built-in demo model: it draws abstract patterns, not "
                          "FLUX.1 images. Choose a FLUX.1-schnell folder to make real images."),
                       tr("Choose model folder…"), [this] { openSettings(); });
}

QString MainWindow::statusText() const {
  return modelStatus_->text() + QStringLiteral(" | ") + deviceStatus_->text() + QStringLiteral(" | ") +
         queueStatus_->text();
}

void MainWindow::updateStatus() {
  const ModelInfo info = modelInfo_ ? *modelInfo_ : services_.queue()->modelInfo();
  QString model = QString::fromStdString(info.name);
  if (services_.usingDemoModel()) model += tr(" (demo)");
  modelStatus_->setText(modelInfo_ ? tr("Model: %1").arg(model) : tr("Model: %1 (not loaded yet)").arg(model));
  deviceStatus_->setText(info.device.empty() ? tr("Device: —")
                                             : tr("Device: %1, %2").arg(QString::fromStdString(info.device),
                                                                        QString::fromStdString(info.dtype)));
  queueStatus_->setText(tr("Queue: %1").arg(services_.queue()->pendingCount()));
}

void MainWindow::generate() {
  QString problem = panel_->validationProblem();
  if (!problem.isEmpty()) {
    messages_->showMessage(MessageBar::Level::Warning, problem);
    return;
  }
  messages_->clearMessage();
  GenerationRequest request = panel_->currentRequest();
  JobQueue::Submission submission = services_.queue()->submit(request, job_source::gui());
  if (!submission.ok()) {
    if (submission.error)
      showError(*submission.error);
    else
      messages_->showMessage(MessageBar::Level::Warning,
                             tr("The queue is full; wait for a job to finish or cancel one."));
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
  switch (outcome.state) {
    case JobState::Done: {
      const auto& result = outcome.result;
      progress_->finish(tr("Done: %n image(s) in %1 s", nullptr, result ? int(result->images.size()) : 0)
                            .arg(outcome.seconds, 0, 'f', 1));
      if (result) {
        const PromptReport& p = result->prompt;
        QStringList notes;
        if (p.clipTruncated)
          notes << tr("CLIP read only the first %1 of %2 tokens.").arg(p.clipLimit).arg(p.clipTokens);
        if (p.t5Truncated)
          notes << tr("T5 read only the first %1 of %2 tokens.").arg(p.t5Limit).arg(p.t5Tokens);
        panel_->setPromptNote(notes.isEmpty() ? QString() : tr("Prompt too long: ") + notes.join(QLatin1Char(' ')));
      }
      if (outcome.saveError) showError(*outcome.saveError);
      if (!outcome.records.empty() && outcome.source == job_source::gui())
        gallery_->selectId(outcome.records.front().id);
      break;
    }
    case JobState::Cancelled:
      progress_->finish(tr("Cancelled."));
      break;
    case JobState::Failed:
      progress_->finish(tr("Failed."));
      if (outcome.error) showError(*outcome.error);
      break;
    default:
      break;
  }
  updateStatus();
}

void MainWindow::onEngineReady(const ModelInfo& info) {
  modelInfo_ = info;
  panel_->setMaxSteps(info.maxSteps, info.defaultSteps);
  progress_->finish(tr("Model loaded: %1 on %2.").arg(QString::fromStdString(info.name),
                                                      QString::fromStdString(info.device)));
  updateStatus();
}

void MainWindow::onEngineFailed(const Error& error) {
  modelInfo_.reset();
  showError(error);
  updateStatus();
}

void MainWindow::showError(const Error& error) {
  QString text = QString::fromStdString(error.message);
  QString advice = adviceFor(error);
  if (!advice.isEmpty()) text += QStringLiteral("\n") + advice;
  bool model = error.kind == ErrorKind::ModelMissing || error.kind == ErrorKind::ModelInvalid;
  messages_->showMessage(MessageBar::Level::Error, text, model ? tr("Settings…") : QString(),
                         model ? std::function<void()>([this] { openSettings(); }) : std::function<void()>());
}

void MainWindow::exportImages(bool all, const QString& folder, const QString& format) {
  std::vector<ImageRecord> records = all ? gallery_->allRecords() : gallery_->selectedRecords();
  if (records.empty()) {
    messages_->showMessage(MessageBar::Level::Info, tr("Select an image to export first."));
    return;
  }
  QString target = folder;
  if (target.isEmpty()) {
    target = QFileDialog::getExistingDirectory(this, tr("Export %n image(s) to", nullptr, int(records.size())),
                                               settings_.exportFolder());
    if (target.isEmpty()) return;
    settings_.setExportFolder(target);
  }
  ExportOptions options;
  options.folder = target;
  options.format = format.isEmpty() ? settings_.exportFormat() : format;
  options.quality = settings_.exportQuality();
  options.pattern = settings_.exportPattern();
  QList<ExportItem> items;
  for (const ImageRecord& r : records) items << exportItemFor(r);
  ExportReport report = fd::ui::exportImages(items, options);
  if (!report.errors.isEmpty())
    messages_->showMessage(MessageBar::Level::Error, report.errors.join(QLatin1Char('\n')));
  else
    messages_->showMessage(MessageBar::Level::Info,
                           tr("Exported %n image(s) to %1.", nullptr, int(report.written.size())).arg(target));
}

bool MainWindow::setServerEnabled(bool on) {
  ApiServer* server = services_.server();
  bool ok = true;
  if (on && !server->isRunning()) {
    ApiServerConfig config;
    config.port = settings_.serverPort();
    config.apiKey = settings_.serverToken().toStdString();
    for (const QString& origin : settings_.allowedOrigins().split(QLatin1Char(','), Qt::SkipEmptyParts))
      config.allowedOrigins.push_back(origin.trimmed().toStdString());
    Status started = server->start(config);
    if (!started.ok()) {
      showError(started.error());
      ok = false;
    } else {
      rightTabs_->setCurrentWidget(serverPanel_);
    }
  } else if (!on && server->isRunning()) {
    server->stop();
  }
  QSignalBlocker block(serverAction_);
  serverAction_->setChecked(server->isRunning());
  serverPanel_->refresh();
  return ok;
}

void MainWindow::deleteImage(const QString& id, bool confirm) {
  auto record = services_.library()->record(id);
  if (!record) return;
  if (confirm && QMessageBox::question(this, tr("Delete image"),
                                       tr("Delete this image from the library?\n\n%1").arg(record->prompt)) !=
                     QMessageBox::Yes)
    return;
  Status removed = services_.library()->remove(id, ImageLibrary::RemoveMode::MoveToTrash);
  if (!removed.ok()) showError(removed.error());
}

void MainWindow::openSettings() {
  const QString oldLibrary = settings_.libraryFolder();
  SettingsDialog dialog(settings_, this);
  if (dialog.exec() != QDialog::Accepted) return;
  services_.reconfigure(settings_.modelFolder(), settings_.engineOptions());
  modelInfo_.reset();
  showDemoBanner();
  updateStatus();
  services_.queue()->warmUp();
  if (settings_.libraryFolder() != oldLibrary)
    messages_->showMessage(MessageBar::Level::Info,
                           tr("The new library folder is used from the next start of FluxDesk."));
}

void MainWindow::closeEvent(QCloseEvent* event) {
  settings_.setWindowGeometry(saveGeometry());
  services_.server()->stop();
  // Finished images are already on disk; a running job is cancelled.
  services_.queue()->cancelAll();
  QMainWindow::closeEvent(event);
}

}  // namespace fd::ui
