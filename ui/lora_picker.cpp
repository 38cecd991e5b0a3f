#include "lora_picker.h"

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

#include "pipeline/request_limits.h"

namespace fd::ui {

namespace {
constexpr double kMaxScale =
    2.0;  // the useful range; the engine takes up to kRequestLimits.maxLoraScale
const QString kOtherFile = QStringLiteral("other");  // item data of "Other file…"
}  // namespace

QStringList loraFilesIn(const QString& folder) {
  QStringList files;
  if (folder.isEmpty()) return files;
  for (const QFileInfo& info : QDir(folder).entryInfoList({QStringLiteral("*.safetensors")},
                                                          QDir::Files | QDir::Readable, QDir::Name))
    files << info.absoluteFilePath();
  return files;
}

LoraPicker::LoraPicker(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("loraPicker"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  rowsLayout_ = new QVBoxLayout();
  rowsLayout_->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(rowsLayout_);
  add_ = new QPushButton(tr("Add LoRA"), this);
  add_->setObjectName(QStringLiteral("addLoraButton"));
  add_->setToolTip(tr("Apply a LoRA file (.safetensors) to the model for this request"));
  auto* addRow = new QHBoxLayout();
  addRow->addWidget(add_);
  addRow->addStretch(1);
  layout->addLayout(addRow);
  connect(add_, &QPushButton::clicked, this, &LoraPicker::onAddClicked);
}

void LoraPicker::setFolder(const QString& folder) {
  folder_ = folder;
  // The rows keep their choice; their lists show the new folder's files.
  for (const Row& row : rows_) fillFiles(row.file, row.file->currentData().toString());
}

void LoraPicker::onAddClicked() {
  const QStringList files = loraFilesIn(folder_);
  if (!files.isEmpty()) {
    addLora(files.front());
    return;
  }
  // No folder (or an empty one): straight to a file.
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Choose a LoRA file"), folder_, tr("LoRA files (*.safetensors);;All files (*)"));
  if (!path.isEmpty()) addLora(path);
}

bool LoraPicker::addLora(const QString& path, double scale) {
  if (rowCount() >= kRequestLimits.maxLoras) return false;
  Row row;
  row.widget = new QWidget(this);
  auto* layout = new QHBoxLayout(row.widget);
  layout->setContentsMargins(0, 0, 0, 0);
  row.file = new QComboBox(row.widget);
  row.file->setObjectName(QStringLiteral("loraFile"));
  row.file->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  row.file->setMinimumContentsLength(12);
  row.scale = new QDoubleSpinBox(row.widget);
  row.scale->setObjectName(QStringLiteral("loraScale"));
  row.scale->setRange(-kMaxScale, kMaxScale);
  row.scale->setSingleStep(0.05);
  row.scale->setDecimals(2);
  row.scale->setValue(std::clamp(scale, -kMaxScale, kMaxScale));
  row.scale->setToolTip(tr("LoRA strength (negative values invert it)"));
  auto* remove = new QToolButton(row.widget);
  remove->setObjectName(QStringLiteral("removeLoraButton"));
  remove->setText(QStringLiteral("×"));
  remove->setToolTip(tr("Remove this LoRA"));
  layout->addWidget(row.file, 1);
  layout->addWidget(row.scale);
  layout->addWidget(remove);
  fillFiles(row.file, path);
  QComboBox* box = row.file;
  QWidget* widget = row.widget;
  connect(box, qOverload<int>(&QComboBox::activated), this,
          [this, box](int index) { onFileActivated(box, index); });
  connect(remove, &QToolButton::clicked, this, [this, widget] {
    for (int i = 0; i < rowCount(); ++i)
      if (rows_[size_t(i)].widget == widget) return removeRow(i);
  });
  rows_.push_back(row);
  rowsLayout_->addWidget(row.widget);
  updateAddButton();
  return true;
}

void LoraPicker::removeRow(int row) {
  if (row < 0 || row >= rowCount()) return;
  rows_[size_t(row)].widget->deleteLater();
  rows_[size_t(row)].widget->hide();
  rows_.erase(rows_.begin() + row);
  updateAddButton();
}

// The folder's files, `selected` (added when it lies elsewhere), then
// "Other file…". Items show the file name; the path is the item's data.
void LoraPicker::fillFiles(QComboBox* box, const QString& selected) {
  QSignalBlocker block(box);
  box->clear();
  QStringList files = loraFilesIn(folder_);
  if (!selected.isEmpty() && !files.contains(selected)) files.prepend(selected);
  for (const QString& path : files) {
    box->addItem(QFileInfo(path).completeBaseName(), path);
    box->setItemData(box->count() - 1, path, Qt::ToolTipRole);
  }
  box->addItem(tr("Other file…"), kOtherFile);
  box->setCurrentIndex(std::max(0, box->findData(selected)));
  // The row's file, for when a later "Other file…" is cancelled.
  const QString current = box->currentData().toString();
  box->setProperty("path", current == kOtherFile ? QString() : current);
}

void LoraPicker::onFileActivated(QComboBox* box, int index) {
  const QString chosen = box->itemData(index).toString();
  if (chosen != kOtherFile) {
    box->setProperty("path", chosen);
    return;
  }
  // Cancelling the dialog keeps the row's file from before "Other file…".
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Choose a LoRA file"), folder_, tr("LoRA files (*.safetensors);;All files (*)"));
  fillFiles(box, path.isEmpty() ? box->property("path").toString() : path);
}

std::vector<LoraSpec> LoraPicker::loras() const {
  std::vector<LoraSpec> out;
  for (const Row& row : rows_) {
    const QString path = row.file->currentData().toString();
    if (path.isEmpty() || path == kOtherFile) continue;
    out.push_back({path.toStdString(), row.scale->value()});
  }
  return out;
}

void LoraPicker::setLoras(const std::vector<LoraSpec>& loras) {
  while (rowCount() > 0) removeRow(rowCount() - 1);
  for (const LoraSpec& lora : loras) addLora(QString::fromStdString(lora.path), lora.scale);
}

void LoraPicker::updateAddButton() { add_->setEnabled(rowCount() < kRequestLimits.maxLoras); }

}  // namespace fd::ui
