#pragma once
// The FluxDesk window: the generation form, progress and queue on the
// left; the gallery and the selected image on the right; the API server
// toggle in the toolbar; model, device and queue length in the status bar.

#include <QMainWindow>
#include <optional>

#include "service/image_record.h"
#include "service/job_types.h"

class QAction;
class QLabel;
class QTabWidget;

namespace fd::ui {

class AppServices;
class AppSettings;
class DetailsPanel;
class GalleryWidget;
class GenerationPanel;
class MessageBar;
class ProgressPanel;
class QueuePanel;
class ServerPanel;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  MainWindow(AppSettings& settings, AppServices& services, QWidget* parent = nullptr);
  ~MainWindow() override;

  // Actions, also used by the tests.
  void generate();
  void cancelRunning();
  void exportImages(bool all, const QString& folder = {}, const QString& format = {});
  bool setServerEnabled(bool on);
  void deleteImage(const QString& id, bool confirm = true);

  GenerationPanel* generationPanel() const { return panel_; }
  GalleryWidget* gallery() const { return gallery_; }
  DetailsPanel* details() const { return details_; }
  ProgressPanel* progressPanel() const { return progress_; }
  QueuePanel* queuePanel() const { return queuePanel_; }
  ServerPanel* serverPanel() const { return serverPanel_; }
  MessageBar* messages() const { return messages_; }
  QAction* serverAction() const { return serverAction_; }
  QString statusText() const;

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildToolbar();
  void buildStatusBar();
  void showDemoBanner();
  void openSettings();
  void onJobStarted(quint64 id);
  void onJobProgress(quint64 id, const fd::Progress& progress);
  void onJobFinished(quint64 id, const fd::JobOutcome& outcome);
  void onEngineReady(const fd::ModelInfo& info);
  void onEngineFailed(const fd::Error& error);
  void updateStatus();
  void showError(const fd::Error& error);

  AppSettings& settings_;
  AppServices& services_;
  GenerationPanel* panel_;
  ProgressPanel* progress_;
  QueuePanel* queuePanel_;
  GalleryWidget* gallery_;
  DetailsPanel* details_;
  ServerPanel* serverPanel_;
  MessageBar* banner_;    // demo-model notice
  MessageBar* messages_;  // errors and notes
  QTabWidget* rightTabs_;
  QAction* serverAction_ = nullptr;
  QLabel* modelStatus_;
  QLabel* deviceStatus_;
  QLabel* queueStatus_;
  quint64 runningJob_ = 0;
  std::optional<fd::ModelInfo> modelInfo_;
};

}  // namespace fd::ui
