#pragma once
// Settings: the model folder (checked on the spot, listing the components
// found and missing), device, dtype, memory mode, CPU threads, library
// folder, LoRA folder, API server port, key and allowed origins.

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTimer;

namespace fd::ui {

class AppSettings;

class SettingsDialog : public QDialog {
  Q_OBJECT
 public:
  explicit SettingsDialog(AppSettings& settings, QWidget* parent = nullptr);

  // Writes the form into the settings (called on OK).
  void apply();
  QString modelReport() const;  // the on-the-spot check's text (HTML)
  // Checks the folder now (it is also checked 300 ms after each edit).
  void checkModelFolder();
  // A folder picker for the model folder (the demo banner's action).
  void browseModelFolder();
  QLineEdit* modelFolderEdit() const { return modelFolder_; }

 private:
  void generateToken();

  AppSettings& settings_;
  QLineEdit* modelFolder_;
  QLabel* modelReport_;
  QComboBox* device_;
  QComboBox* dtype_;
  QComboBox* memory_;
  QSpinBox* threads_;
  QLineEdit* library_;
  QLineEdit* lora_;
  QSpinBox* port_;
  QLineEdit* token_;
  QLineEdit* origins_;
  QTimer* checkTimer_;
};

// A random API key: "fd-" and 40 url-safe characters from a strong source.
QString generateApiKey();

}  // namespace fd::ui
