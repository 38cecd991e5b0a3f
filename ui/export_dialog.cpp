#include "export_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "app_settings.h"
#include "plural.h"

namespace fd::ui {

namespace {
QString formatLabel(const QString& format) {
  if (format == QStringLiteral("png"))
    return QObject::tr("PNG (lossless, settings in text chunks)");
  if (format == QStringLiteral("jpeg")) return QObject::tr("JPEG (settings in comments)");
  if (format == QStringLiteral("webp")) return QObject::tr("WebP (no settings kept)");
  return format;
}
}  // namespace

ExportDialog::ExportDialog(AppSettings& settings, int imageCount, const ExportItem& sample,
                           QWidget* parent)
    : QDialog(parent), settings_(settings), sample_(sample) {
  setWindowTitle(tr("Export %1").arg(countOf(imageCount, tr("1 image"), tr("%1 images"))));
  setObjectName(QStringLiteral("exportDialog"));
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout();

  auto* folderRow = new QHBoxLayout();
  folder_ = new QLineEdit(this);
  folder_->setObjectName(QStringLiteral("exportFolderEdit"));
  auto* browse = new QPushButton(tr("Browse…"), this);
  folderRow->addWidget(folder_, 1);
  folderRow->addWidget(browse);
  form->addRow(tr("Folder"), folderRow);
  connect(browse, &QPushButton::clicked, this, [this] {
    QString dir = QFileDialog::getExistingDirectory(this, tr("Export to"), folder_->text());
    if (!dir.isEmpty()) folder_->setText(dir);
  });

  format_ = new QComboBox(this);
  format_->setObjectName(QStringLiteral("exportFormat"));
  for (const QString& f : availableExportFormats()) format_->addItem(formatLabel(f), f);
  form->addRow(tr("Format"), format_);

  quality_ = new QSpinBox(this);
  quality_->setObjectName(QStringLiteral("exportQuality"));
  quality_->setRange(1, 100);
  quality_->setSuffix(QStringLiteral(" %"));
  form->addRow(tr("Quality"), quality_);

  pattern_ = new QLineEdit(this);
  pattern_->setObjectName(QStringLiteral("exportPattern"));
  pattern_->setToolTip(tr("{date} {time} {seed} {prompt} (first words) {width} {height} {index}"));
  form->addRow(tr("File names"), pattern_);
  auto* tokens =
      new QLabel(tr("Tokens: {date} {time} {seed} {prompt} {width} {height} {index}"), this);
  tokens->setEnabled(false);  // drawn as a hint
  form->addRow(QString(), tokens);
  example_ = new QLabel(this);
  example_->setObjectName(QStringLiteral("exportExample"));
  example_->setWordWrap(true);
  form->addRow(tr("Example"), example_);
  layout->addLayout(form);

  auto* note =
      new QLabel(tr("Existing files are never replaced: a number is added instead."), this);
  note->setWordWrap(true);
  layout->addWidget(note);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  ok_ = buttons->button(QDialogButtonBox::Ok);
  ok_->setText(tr("Export"));
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::accepted, this, [this] {
    saveToSettings();
    accept();
  });
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

  ExportOptions last;
  last.folder = settings.exportFolder();
  last.format = settings.exportFormat();
  last.quality = settings.exportQuality();
  last.pattern = settings.exportPattern();
  setOptions(last);
  connect(folder_, &QLineEdit::textChanged, this, &ExportDialog::updateForm);
  connect(pattern_, &QLineEdit::textChanged, this, &ExportDialog::updateForm);
  connect(format_, qOverload<int>(&QComboBox::currentIndexChanged), this,
          &ExportDialog::updateForm);
  updateForm();
}

ExportOptions ExportDialog::options() const {
  ExportOptions o;
  o.folder = folder_->text().trimmed();
  o.format = format_->currentData().toString();
  o.quality = quality_->value();
  o.pattern = pattern_->text().trimmed();
  return o;
}

void ExportDialog::setOptions(const ExportOptions& o) {
  folder_->setText(o.folder);
  int index =
      format_->findData(o.format == QStringLiteral("jpg") ? QStringLiteral("jpeg") : o.format);
  format_->setCurrentIndex(index >= 0 ? index : 0);
  quality_->setValue(o.quality);
  pattern_->setText(o.pattern);
  updateForm();
}

QString ExportDialog::exampleName() const {
  const ExportOptions o = options();
  const QString ext = o.format == QStringLiteral("jpeg") ? QStringLiteral("jpg") : o.format;
  return expandFileNamePattern(o.pattern, sample_, 1, 1024, 1024) + QLatin1Char('.') + ext;
}

QString ExportDialog::problem() const {
  const ExportOptions o = options();
  if (o.folder.isEmpty()) return tr("Choose a folder.");
  if (o.pattern.isEmpty()) return tr("Enter a file-name pattern.");
  return {};
}

void ExportDialog::updateForm() {
  if (!ok_) return;  // still building
  quality_->setEnabled(format_->currentData().toString() != QStringLiteral("png"));
  const QString issue = problem();
  example_->setText(issue.isEmpty() ? exampleName() : issue);
  ok_->setEnabled(issue.isEmpty());
}

void ExportDialog::saveToSettings() {
  const ExportOptions o = options();
  settings_.setExportFolder(o.folder);
  settings_.setExportFormat(o.format);
  settings_.setExportQuality(o.quality);
  settings_.setExportPattern(o.pattern);
}

}  // namespace fd::ui
