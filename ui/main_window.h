#pragma once
// The FluxDesk window: the generation form, progress and queue on the
// left; the gallery and the selected image (or the input picture with its
// mask brush, or the local API panel) on the right; menus and a toolbar
// with the API server toggle and Models…; model, device and queue length
// in the status bar. Split over three files: main_window.cpp (layout, job
// events), main_window_actions.cpp (menus, export, server, settings,
// models, delete) and main_window_input.cpp (input pictures: open, drop,
// use as input, reuse settings).

#include <QMainWindow>
#include <optional>

#include "service/image_record.h"
#include "service/job_types.h"

class QAction;
class QTabWidget;

namespace fd::ui {

class AppServices;
class AppSettings;
class DetailsPanel;
class GalleryWidget;
class GenerationPanel;
class InputEditor;
class MessageBar;
class ModelsWindow;
class ProgressPanel;
class QueuePanel;
class ServerPanel;
class StatusLine;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  MainWindow(AppSettings& settings, AppServices& services, QWidget* parent = nullptr);
  ~MainWindow() override;

  // Actions, also used by the tests.
  void generate();
  void cancelRunning();
  // With an empty folder, asks with the export dialog; else exports at
  // once with `format` (or the last format used).
  void exportImages(bool all, const QString& folder = {}, const QString& format = {});
  bool setServerEnabled(bool on);
  void deleteImage(const QString& id, bool confirm = true);
  void openSettings(bool browseModelFolder = false);
  // The Models window (created once, shown and raised).
  ModelsWindow* openModels();
  ModelsWindow* modelsWindow() const { return models_; }
  // Saves the choice in the settings and reloads the engine.
  void useModelPreset(const QString& presetId);
  void useDemoModel();
  // The next request starts from this picture (PNG, JPEG, WebP); the Input
  // tab shows it for the mask brush. false (and a message) when unreadable.
  bool openInputImage(const QString& path);
  void chooseInputImage();  // a file dialog, then openInputImage
  void useAsInput(const fd::ImageRecord& record);
  // The record's prompt, size, seed, steps, input picture, mask, strength
  // and LoRAs into the form; what cannot come back is said in the message bar.
  void reuseSettings(const fd::ImageRecord& record);

  GenerationPanel* generationPanel() const { return panel_; }
  GalleryWidget* gallery() const { return gallery_; }
  DetailsPanel* details() const { return details_; }
  ProgressPanel* progressPanel() const { return progress_; }
  QueuePanel* queuePanel() const { return queuePanel_; }
  ServerPanel* serverPanel() const { return serverPanel_; }
  InputEditor* inputEditor() const { return inputEditor_; }
  QTabWidget* rightTabs() const { return rightTabs_; }
  MessageBar* messages() const { return messages_; }
  MessageBar* demoBanner() const { return banner_; }
  QAction* serverAction() const { return serverAction_; }
  QString statusText() const;
  // Set once the engine has loaded (warm-up or a job); unset before.
  const std::optional<fd::ModelInfo>& loadedModel() const { return modelInfo_; }

 protected:
  void closeEvent(QCloseEvent* event) override;
  // A picture file dropped anywhere on the window becomes the input.
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildLayout();
  void buildActions();  // menus and toolbar (main_window_actions.cpp)
  void connectServices();
  void showDemoBanner();  // the demo model, or a configured preset that cannot be used
  void reloadEngine();    // after the model or the engine options changed in the settings
  void updateModelsWindow();
  void onJobStarted(quint64 id);
  void onJobProgress(quint64 id, const fd::Progress& progress);
  void onJobFinished(quint64 id, const fd::JobOutcome& outcome);
  void onEngineReady(const fd::ModelInfo& info);
  void onEngineFailed(const fd::Error& error);
  void updateStatus();
  void showError(const fd::Error& error);

  AppSettings& settings_;
  AppServices& services_;
  GenerationPanel* panel_ = nullptr;
  ProgressPanel* progress_ = nullptr;
  QueuePanel* queuePanel_ = nullptr;
  GalleryWidget* gallery_ = nullptr;
  DetailsPanel* details_ = nullptr;
  ServerPanel* serverPanel_ = nullptr;
  InputEditor* inputEditor_ = nullptr;
  MessageBar* banner_ = nullptr;    // demo-model notice
  MessageBar* messages_ = nullptr;  // errors and notes
  QTabWidget* rightTabs_ = nullptr;
  QAction* serverAction_ = nullptr;
  StatusLine* status_ = nullptr;
  ModelsWindow* models_ = nullptr;
  quint64 runningJob_ = 0;
  std::optional<fd::ModelInfo> modelInfo_;  // set once the engine has loaded
};

}  // namespace fd::ui
