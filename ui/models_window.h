#pragma once
// The Models window (non-modal): the FLUX.1 [schnell] presets FluxDesk can
// download from Hugging Face, one PresetRow each (size, memory needed, a
// "Recommended for this computer" mark from recommendPreset with this
// machine's available RAM and, once the engine has reported one, its GPU
// memory), what is already on disk (downloaded presets, and other FLUX.1
// models in the Hugging Face cache from hub/local_models.h, read off the GUI
// thread), and the Hugging Face token (saved in the settings) for gated
// models. Downloads run in ModelDownloads, owned by
// the app's services, so closing this window does not stop them.

#include <QFutureWatcher>
#include <QWidget>
#include <map>
#include <vector>

#include "service/model_downloads.h"

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QVBoxLayout;

namespace fd {
class ModelDownloads;
struct ModelInfo;
}  // namespace fd

namespace fd::ui {

class AppSettings;
class PresetRow;

class ModelsWindow : public QWidget {
  Q_OBJECT
 public:
  ModelsWindow(AppSettings& settings, ModelDownloads* downloads, QWidget* parent = nullptr);

  // This computer, for the recommendation: RAM available now and GPU
  // memory (0: no GPU, or not known yet).
  void setMachine(quint64 ramBytes, quint64 gpuBytes);
  // Marks the preset the engine uses (empty: a folder or the demo model).
  void setCurrentPreset(const QString& id);

  PresetRow* row(const QString& presetId) const;
  QLineEdit* tokenEdit() const { return token_; }
  QString recommendedId() const { return recommended_; }
  QString onDiskText() const;  // the "already on disk" line (plain text)
  QListWidget* localModelsList() const { return localList_; }
  // Lists the cache's other models again (on a worker).
  void scanLocalModels();

 signals:
  void useModelRequested(const QString& presetId);
  void chooseFolderRequested();
  void useFolderRequested(const QString& folder);  // a model found in the cache (not a preset)
  void useDemoRequested();

 private:
  void rebuildRows();
  void updateRecommendation();
  void updateOnDisk();

  AppSettings& settings_;
  ModelDownloads* downloads_;
  QLabel* machine_;
  QVBoxLayout* rowsLayout_;
  QWidget* rowsHost_;
  std::map<QString, PresetRow*> rows_;
  QLabel* onDisk_;
  QListWidget* localList_;
  QPushButton* useLocal_;
  QFutureWatcher<std::vector<LocalModel>> localWatcher_;
  bool rescan_ = false;  // a scan was asked for while one ran
  QLineEdit* token_;
  QString current_;
  QString recommended_;
  quint64 ramBytes_ = 0;
  quint64 gpuBytes_ = 0;
};

// GPU memory from the engine's report ("NVIDIA H100 80GB HBM3 (79.1 GiB)" on
// a cuda device); 0 on the CPU or when the text has no size.
quint64 gpuMemoryFromModelInfo(const fd::ModelInfo& info);

}  // namespace fd::ui
