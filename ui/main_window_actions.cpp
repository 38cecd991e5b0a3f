// MainWindow's menus, toolbar and the actions behind them: export, the
// API server toggle, settings, delete.
#include <QAction>
#include <QApplication>
#include <QFileDialog>
#include <QKeySequence>
#include <QMenuBar>
#include <QMessageBox>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>

#include "app_services.h"
#include "app_settings.h"
#include "details_panel.h"
#include "error_advice.h"
#include "export_dialog.h"
#include "gallery_widget.h"
#include "generation_panel.h"
#include "image_exporter.h"
#include "lora_picker.h"
#include "main_window.h"
#include "message_bar.h"
#include "models_window.h"
#include "plural.h"
#include "server_panel.h"
#include "service/api_server.h"
#include "service/image_library.h"
#include "service/job_queue.h"
#include "service/machine_memory.h"
#include "service/model_downloads.h"
#include "settings_dialog.h"

namespace fd::ui {

void MainWindow::buildActions() {
  auto* generateAction = new QAction(tr("&Generate"), this);
  generateAction->setObjectName(QStringLiteral("generateAction"));
  generateAction->setToolTip(tr("Queue a generation (Ctrl+Enter in the prompt)"));
  connect(generateAction, &QAction::triggered, this, &MainWindow::generate);
  auto* cancelAction = new QAction(tr("&Cancel running job"), this);
  cancelAction->setShortcut(QKeySequence(Qt::Key_Escape));
  connect(cancelAction, &QAction::triggered, this, &MainWindow::cancelRunning);
  auto* exportSelected = new QAction(tr("&Export selected…"), this);
  exportSelected->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  connect(exportSelected, &QAction::triggered, this, [this] { exportImages(false); });
  auto* exportAll = new QAction(tr("Export &all…"), this);
  exportAll->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
  connect(exportAll, &QAction::triggered, this, [this] { exportImages(true); });
  auto* settingsAction = new QAction(tr("&Settings…"), this);
  // Ctrl+, everywhere, plus the platform's Preferences key where it has one.
  QList<QKeySequence> settingsKeys{QKeySequence(Qt::CTRL | Qt::Key_Comma)};
  if (!QKeySequence(QKeySequence::Preferences).isEmpty() &&
      QKeySequence(QKeySequence::Preferences) != settingsKeys.front())
    settingsKeys << QKeySequence(QKeySequence::Preferences);
  settingsAction->setShortcuts(settingsKeys);
  connect(settingsAction, &QAction::triggered, this, [this] { openSettings(); });
  auto* modelsAction = new QAction(tr("&Models…"), this);
  modelsAction->setObjectName(QStringLiteral("modelsAction"));
  modelsAction->setToolTip(tr("Download a FLUX.1 [schnell] model, or choose which one to use"));
  connect(modelsAction, &QAction::triggered, this, [this] { openModels(); });
  auto* openInput = new QAction(tr("Open &input image…"), this);
  openInput->setObjectName(QStringLiteral("openInputAction"));
  openInput->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
  openInput->setToolTip(
      tr("Start from a picture (PNG, JPEG, WebP): image-to-image, or inpainting with a mask"));
  connect(openInput, &QAction::triggered, this, &MainWindow::chooseInputImage);
  auto* quit = new QAction(tr("&Quit"), this);
  quit->setShortcut(QKeySequence::Quit);
  connect(quit, &QAction::triggered, this, &QWidget::close);

  serverAction_ = new QAction(tr("API server"), this);
  serverAction_->setObjectName(QStringLiteral("serverAction"));
  serverAction_->setCheckable(true);
  serverAction_->setToolTip(
      tr("Serve the OpenAI-compatible image API on localhost (port in Settings)"));
  connect(serverAction_, &QAction::toggled, this, [this](bool on) { setServerEnabled(on); });

  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(generateAction);
  file->addAction(cancelAction);
  file->addSeparator();
  file->addAction(openInput);
  file->addSeparator();
  file->addAction(exportSelected);
  file->addAction(exportAll);
  file->addSeparator();
  file->addAction(modelsAction);
  file->addAction(settingsAction);
  file->addSeparator();
  file->addAction(quit);

  QMenu* image = menuBar()->addMenu(tr("&Image"));
  image->addAction(tr("&Copy image"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C), details_,
                   &DetailsPanel::copyImage);
  image->addAction(tr("Copy &prompt"), details_, &DetailsPanel::copyPrompt);
  image->addAction(tr("&Reuse settings"), this, [this] {
    if (details_->record()) reuseSettings(*details_->record());
  });
  image->addAction(tr("Reuse &seed"), this, [this] {
    if (details_->record()) panel_->setSeed(details_->record()->seed);
  });
  image->addAction(tr("Use as &input"), this, [this] {
    if (details_->record()) useAsInput(*details_->record());
  });
  image->addAction(tr("Show in &folder"), details_, &DetailsPanel::showInFileManager);
  image->addSeparator();
  QAction* remove = image->addAction(tr("&Delete…"), this, [this] {
    if (details_->record()) deleteImage(details_->record()->id);
  });
  remove->setShortcut(QKeySequence::Delete);
  remove->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  gallery_->addAction(remove);  // Delete acts only while the gallery has focus

  QMenu* api = menuBar()->addMenu(tr("&Local API"));
  api->addAction(serverAction_);
  api->addAction(tr("Show API panel"), this,
                 [this] { rightTabs_->setCurrentWidget(serverPanel_); });

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About FluxDesk"), this, [this] {
    QMessageBox::about(
        this, tr("About FluxDesk"),
        tr("<b>FluxDesk %1</b><br>FLUX.1 [schnell] text-to-image on your own computer.")
            .arg(QApplication::applicationVersion()));
  });

  QToolBar* bar = addToolBar(tr("Main"));
  bar->setObjectName(QStringLiteral("mainToolbar"));
  bar->setMovable(false);
  bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
  bar->addAction(generateAction);
  bar->addAction(openInput);
  bar->addAction(exportSelected);
  bar->addAction(exportAll);
  bar->addSeparator();
  bar->addAction(serverAction_);
  bar->addSeparator();
  bar->addAction(modelsAction);
  bar->addAction(settingsAction);
}

void MainWindow::exportImages(bool all, const QString& folder, const QString& format) {
  std::vector<ImageRecord> records = all ? gallery_->allRecords() : gallery_->selectedRecords();
  if (records.empty()) {
    messages_->showMessage(MessageBar::Level::Info,
                           all ? tr("The gallery is empty: nothing to export.")
                               : tr("Select an image to export first."));
    return;
  }
  QList<ExportItem> items;
  for (const ImageRecord& r : records) items << exportItemForRecord(r);
  ExportOptions options;
  if (folder.isEmpty()) {
    ExportDialog dialog(settings_, int(items.size()), items.front(), this);
    if (dialog.exec() != QDialog::Accepted) return;
    options = dialog.options();
  } else {
    options.folder = folder;
    options.format = format.isEmpty() ? settings_.exportFormat() : format;
    options.quality = settings_.exportQuality();
    options.pattern = settings_.exportPattern();
  }
  ExportReport report = fd::ui::exportImages(items, options);
  if (!report.errors.isEmpty()) {
    messages_->showMessage(
        MessageBar::Level::Error,
        tr("Some images were not exported:<br>%1<br>Check that the folder is writable and "
           "the disk has room.")
            .arg(report.errors.join(QLatin1Char('\n')).toHtmlEscaped().replace('\n', "<br>")));
  } else {
    messages_->showMessage(
        MessageBar::Level::Info,
        tr("Exported %1 to %2.")
            .arg(countOf(int(report.written.size()), tr("1 image"), tr("%1 images")),
                 options.folder.toHtmlEscaped()));
  }
}

bool MainWindow::setServerEnabled(bool on) {
  ApiServer* server = services_.server();
  bool ok = true;
  if (on && !server->isRunning()) {
    ApiServerConfig config;
    config.port = settings_.serverPort();
    config.apiKey = settings_.serverToken().toStdString();
    for (const QString& origin :
         settings_.allowedOrigins().split(QLatin1Char(','), Qt::SkipEmptyParts))
      config.allowedOrigins.push_back(origin.trimmed().toStdString());
    // API clients name LoRAs in the same folder the window's picker lists.
    config.loraFolder = settings_.loraFolder().toStdString();
    Status started = server->start(config);
    if (!started.ok()) {
      messages_->showMessage(
          MessageBar::Level::Error,
          tr("The local API could not start: %1<br>Choose another port in Settings, or stop "
             "the program that uses it.")
              .arg(QString::fromStdString(started.error().message).toHtmlEscaped()),
          tr("Settings…"), [this] { openSettings(); });
      ok = false;
    } else {
      rightTabs_->setCurrentWidget(serverPanel_);
    }
  } else if (!on && server->isRunning()) {
    server->stop();
  }
  QSignalBlocker block(serverAction_);
  serverAction_->setChecked(server->isRunning());
  serverAction_->setText(server->isRunning() ? tr("API server: on") : tr("API server"));
  serverPanel_->refresh();
  return ok;
}

void MainWindow::deleteImage(const QString& id, bool confirm) {
  auto record = services_.library()->record(id);
  if (!record) return;
  if (confirm &&
      QMessageBox::question(this, tr("Delete image"),
                            tr("Delete this image from the library?\n\n%1").arg(record->prompt)) !=
          QMessageBox::Yes)
    return;
  Status removed = services_.library()->remove(id, ImageLibrary::RemoveMode::MoveToTrash);
  if (!removed.ok()) showError(removed.error());
}

void MainWindow::openSettings(bool browseModelFolder) {
  const QString oldLibrary = settings_.libraryFolder();
  const QString oldModel = settings_.modelFolder();
  const EngineOptions oldEngine = settings_.engineOptions();
  SettingsDialog dialog(settings_, this);
  if (browseModelFolder) QTimer::singleShot(0, &dialog, &SettingsDialog::browseModelFolder);
  if (dialog.exec() != QDialog::Accepted) return;
  const EngineOptions engine = settings_.engineOptions();
  const bool engineChanged = settings_.modelFolder() != oldModel ||
                             engine.device != oldEngine.device || engine.dtype != oldEngine.dtype ||
                             engine.memory != oldEngine.memory ||
                             engine.cpuThreads != oldEngine.cpuThreads;
  if (engineChanged) reloadEngine();
  panel_->loraPicker()->setFolder(settings_.loraFolder());
  if (settings_.libraryFolder() != oldLibrary)
    messages_->showMessage(MessageBar::Level::Info,
                           tr("The new library folder is used from the next start of FluxDesk."));
}

void MainWindow::reloadEngine() {
  services_.reconfigure(settings_.modelFolder(), settings_.engineOptions(),
                        settings_.modelPreset());
  modelInfo_.reset();
  showDemoBanner();
  updateStatus();
  updateModelsWindow();
  services_.queue()->warmUp();
}

ModelsWindow* MainWindow::openModels() {
  if (!models_) {
    models_ = new ModelsWindow(settings_, services_.downloads(), this);
    connect(models_, &ModelsWindow::useModelRequested, this, &MainWindow::useModelPreset);
    connect(models_, &ModelsWindow::useDemoRequested, this, &MainWindow::useDemoModel);
    connect(models_, &ModelsWindow::chooseFolderRequested, this, [this] { openSettings(true); });
    connect(models_, &ModelsWindow::useFolderRequested, this, [this](const QString& folder) {
      settings_.setModelFolder(folder);  // replaces a preset
      settings_.sync();
      reloadEngine();
    });
    updateModelsWindow();
  }
  models_->show();
  models_->raise();
  models_->activateWindow();
  return models_;
}

void MainWindow::updateModelsWindow() {
  if (!models_) return;
  const ModelInfo info = modelInfo_ ? *modelInfo_ : ModelInfo{};
  models_->setMachine(availableRamBytes(), gpuMemoryFromModelInfo(info));
  models_->setCurrentPreset(services_.paths().modelPreset);
}

void MainWindow::useModelPreset(const QString& presetId) {
  settings_.setModelPreset(presetId);
  settings_.sync();
  reloadEngine();
  const ModelPreset* preset = services_.downloads()->preset(presetId);
  if (preset && !services_.modelProblem())
    messages_->showMessage(MessageBar::Level::Info,
                           tr("Now using %1: it loads in the background.")
                               .arg(QString::fromStdString(preset->title).toHtmlEscaped()));
}

void MainWindow::useDemoModel() {
  settings_.setModelPreset(QString());
  settings_.setModelFolder(QString());
  settings_.sync();
  reloadEngine();
}

}  // namespace fd::ui
