#pragma once
// Asks where and how to export: folder, format (PNG, JPEG, WebP when Qt
// has it), quality, and the file-name pattern with a live example. Starts
// from the last choices (AppSettings) and saves them on OK.

#include <QDialog>

#include "image_exporter.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace fd::ui {

class AppSettings;

class ExportDialog : public QDialog {
  Q_OBJECT
 public:
  // `sample`: the first image to export, for the file-name example.
  ExportDialog(AppSettings& settings, int imageCount, const ExportItem& sample,
               QWidget* parent = nullptr);

  ExportOptions options() const;
  void setOptions(const ExportOptions& options);
  QString exampleName() const;  // what the first file would be called
  QString problem() const;      // empty when the form can be accepted

 private:
  void updateForm();
  void saveToSettings();

  AppSettings& settings_;
  ExportItem sample_;
  QLineEdit* folder_;
  QComboBox* format_;
  QSpinBox* quality_;
  QLineEdit* pattern_;
  QLabel* example_;
  QPushButton* ok_ = nullptr;
};

}  // namespace fd::ui
