#pragma once
// One preset in the Models window: its title, description, download size
// and the memory it needs, marks (recommended for this computer, in use),
// its state (not downloaded, partly downloaded, queued, downloading with a
// progress bar, speed and time left, paused, downloaded, failed with the
// reason and, for a gated model, the licence page) and the buttons that
// fit the state: Download / Pause / Resume / Cancel / Use this model.

#include <QFrame>

#include "service/model_downloads.h"

class QLabel;
class QProgressBar;
class QPushButton;

namespace fd::ui {

class PresetRow : public QFrame {
  Q_OBJECT
 public:
  PresetRow(const ModelPreset& preset, ModelDownloads* downloads, QWidget* parent = nullptr);

  QString presetId() const { return id_; }
  void setRecommended(bool recommended);
  void setInUse(bool inUse);
  // Re-reads the state from the downloads object.
  void refresh();
  void showProgress(const PresetDownloadProgress& progress);

  PresetState state() const { return state_; }
  QString stateText() const;  // the state line and, on failure, the reason (plain text)
  QPushButton* downloadButton() const { return download_; }
  QPushButton* pauseButton() const { return pause_; }
  QPushButton* resumeButton() const { return resume_; }
  QPushButton* cancelButton() const { return cancel_; }
  QPushButton* useButton() const { return use_; }
  QProgressBar* progressBar() const { return bar_; }

 signals:
  void useRequested(const QString& presetId);

 private:
  QString id_;
  ModelDownloads* downloads_;
  PresetState state_ = PresetState::NotDownloaded;
  bool inUse_ = false;
  QLabel* marks_;
  QLabel* stateLabel_;
  QLabel* detail_;
  QLabel* error_;
  QProgressBar* bar_;
  QPushButton* download_;
  QPushButton* pause_;
  QPushButton* resume_;
  QPushButton* cancel_;
  QPushButton* use_;
  bool recommended_ = false;
};

// "1.2 GiB", "340 MiB", "12 KiB", "512 B".
QString formatSize(quint64 bytes);
// "about 5 min left", "about 40 s left"; empty when unknown.
QString formatEta(double seconds);

}  // namespace fd::ui
