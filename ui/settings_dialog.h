#pragma once
// Settings: the model folder (checked on the spot, listing the components
// found and missing), device, dtype, memory mode, CPU threads, library
// folder, API server port, key and allowed origins.

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace fd::ui {

class AppSettings;

class SettingsDialog : public QDialog {
  Q_OBJECT
 public:
  explicit SettingsDialog(AppSettings& settings, QWidget* parent = nullptr);

  // Writes the form into the settings (called on OK).
  void apply();
  QString modelReport() const;  // the on-the-spot check's text
  QLineEdit* modelFolderEdit() const { return modelFolder_; }

 private:
  void checkModelFolder();
  void generateToken();

  AppSettings& settings_;
  QLineEdit* modelFolder_;
  QLabel* modelReport_;
  QComboBox* device_;
  QComboBox* dtype_;
  QComboBox* memory_;
  QSpinBox* threads_;
  QLineEdit* library_;
  QSpinBox* port_;
  QLineEdit* token_;
  QLineEdit* origins_;
};

// A random API key: "fd-" and 40 url-safe characters from a strong source.
QString generateApiKey();

}  // namespace fd::ui
