#pragma once
// The LoRA rows of the generation panel: each a file (the LoRA folder's
// *.safetensors, or any file through "Other file…") and a scale, -2..2,
// default 1; "Add LoRA" and a remove button per row. Builds the request's
// LoraSpec list.

#include <QStringList>
#include <QWidget>
#include <vector>

#include "lora/lora_spec.h"

class QComboBox;
class QDoubleSpinBox;
class QPushButton;
class QVBoxLayout;

namespace fd::ui {

// The *.safetensors files of `folder`, by name (absolute paths; none for an empty or missing
// folder).
QStringList loraFilesIn(const QString& folder);

class LoraPicker : public QWidget {
  Q_OBJECT
 public:
  explicit LoraPicker(QWidget* parent = nullptr);

  void setFolder(const QString& folder);  // the settings' LoRA folder
  QString folder() const { return folder_; }

  // A row for `path` (any file) at `scale`; false when every row is taken.
  bool addLora(const QString& path, double scale = 1.0);
  void removeRow(int row);
  int rowCount() const { return int(rows_.size()); }
  QComboBox* fileBox(int row) const { return rows_[size_t(row)].file; }
  QDoubleSpinBox* scaleBox(int row) const { return rows_[size_t(row)].scale; }
  QPushButton* addButton() const { return add_; }

  // The rows in order; rows without a file are left out.
  std::vector<LoraSpec> loras() const;
  void setLoras(const std::vector<LoraSpec>& loras);  // replaces every row

 private:
  struct Row {
    QWidget* widget;
    QComboBox* file;
    QDoubleSpinBox* scale;
  };
  void onAddClicked();
  void fillFiles(QComboBox* box, const QString& selected);
  void onFileActivated(QComboBox* box, int index);
  void updateAddButton();

  QString folder_;
  QVBoxLayout* rowsLayout_;
  QPushButton* add_;
  std::vector<Row> rows_;
};

}  // namespace fd::ui
