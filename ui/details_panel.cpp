#include "details_panel.h"

#include <QApplication>
#include <QClipboard>
#include <QDesktopServices>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include "image_view.h"

namespace fd::ui {

DetailsPanel::DetailsPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);

  auto* zoomRow = new QHBoxLayout();
  view_ = new ImageView(this);
  auto* fit = new QToolButton(this);
  fit->setText(tr("Fit"));
  fit->setObjectName(QStringLiteral("fitButton"));
  auto* actual = new QToolButton(this);
  actual->setText(tr("100%"));
  actual->setObjectName(QStringLiteral("actualSizeButton"));
  auto* zoomIn = new QToolButton(this);
  zoomIn->setText(QStringLiteral("+"));
  zoomIn->setShortcut(QKeySequence::ZoomIn);
  auto* zoomOut = new QToolButton(this);
  zoomOut->setText(QStringLiteral("−"));
  zoomOut->setShortcut(QKeySequence::ZoomOut);
  auto* zoomLabel = new QLabel(this);
  zoomRow->addWidget(fit);
  zoomRow->addWidget(actual);
  zoomRow->addWidget(zoomOut);
  zoomRow->addWidget(zoomIn);
  zoomRow->addWidget(zoomLabel);
  zoomRow->addStretch(1);
  connect(fit, &QToolButton::clicked, view_, &ImageView::fitToWindow);
  connect(actual, &QToolButton::clicked, view_, &ImageView::actualSize);
  connect(zoomIn, &QToolButton::clicked, view_, [this] { view_->zoomBy(1.25); });
  connect(zoomOut, &QToolButton::clicked, view_, [this] { view_->zoomBy(0.8); });
  connect(view_, &ImageView::zoomChanged, zoomLabel, [zoomLabel](double zoom, bool fitting) {
    zoomLabel->setText(fitting ? tr("fit (%1%)").arg(qRound(zoom * 100))
                               : QStringLiteral("%1%").arg(qRound(zoom * 100)));
  });

  layout->addLayout(zoomRow);
  layout->addWidget(view_, 1);

  info_ = new QLabel(this);
  info_->setObjectName(QStringLiteral("imageInfo"));
  info_->setWordWrap(true);
  info_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(info_);

  actions_ = new QWidget(this);
  auto* row = new QHBoxLayout(actions_);
  row->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(actions_);
  connect(addAction(tr("Copy image"), "copyImageButton", tr("Copy the image to the clipboard")),
          &QToolButton::clicked, this, &DetailsPanel::copyImage);
  connect(addAction(tr("Copy prompt"), "copyPromptButton", tr("Copy the prompt to the clipboard")),
          &QToolButton::clicked, this, &DetailsPanel::copyPrompt);
  connect(addAction(tr("Reuse settings"), "reuseSettingsButton",
                    tr("Put this image's settings in the form")),
          &QToolButton::clicked, this, [this] {
            if (record_) emit reuseSettingsRequested(*record_);
          });
  connect(addAction(tr("Reuse seed"), "reuseSeedButton", tr("Fix the seed to this image's seed")),
          &QToolButton::clicked, this, [this] {
            if (record_) emit reuseSeedRequested(record_->seed);
          });
  connect(
      addAction(tr("Use as input"), "useAsInputButton",
                tr("Start the next image from this one (image-to-image; paint a mask to inpaint)")),
      &QToolButton::clicked, this, [this] {
        if (record_) emit useAsInputRequested(*record_);
      });
  connect(addAction(tr("Export…"), "exportButton", tr("Export the selected images")),
          &QToolButton::clicked, this, &DetailsPanel::exportRequested);
  connect(addAction(tr("Show in folder"), "showInFolderButton",
                    tr("Open the folder holding this image")),
          &QToolButton::clicked, this, &DetailsPanel::showInFileManager);
  connect(addAction(tr("Delete"), "deleteButton", tr("Delete this image from the library")),
          &QToolButton::clicked, this, [this] {
            if (record_) emit deleteRequested(record_->id);
          });
  row->addStretch(1);
  showRecord(std::nullopt);
}

QToolButton* DetailsPanel::addAction(const QString& text, const QString& name, const QString& tip) {
  auto* button = new QToolButton(actions_);
  button->setText(text);
  button->setObjectName(name);
  button->setToolTip(tip);
  actions_->layout()->addWidget(button);
  return button;
}

void DetailsPanel::showRecord(const std::optional<ImageRecord>& record) {
  record_ = record;
  actions_->setEnabled(record.has_value());
  if (!record) {
    view_->clear();
    info_->setText(tr("Select an image in the gallery to see it here."));
    return;
  }
  QImageReader reader(record->filePath);
  QImage image = reader.read();
  if (image.isNull()) {
    view_->clear();
    info_->setText(tr("Cannot read %1: %2").arg(record->filePath, reader.errorString()));
    return;
  }
  view_->setImage(image);
  info_->setText(infoText());
}

QString DetailsPanel::infoText() const {
  if (!record_) return {};
  const ImageRecord& r = *record_;
  QString text = tr("<b>%1</b><br>seed %2 · %3×%4 · %5 steps · %6 · %7 s · %8 · from %9")
                     .arg(r.prompt.toHtmlEscaped())
                     .arg(r.seed)
                     .arg(r.width)
                     .arg(r.height)
                     .arg(r.steps)
                     .arg(r.model.toHtmlEscaped())
                     .arg(r.seconds, 0, 'f', 1)
                     .arg(QLocale().toString(r.created.toLocalTime(), QLocale::ShortFormat))
                     .arg(r.source);
  // What it was made from besides the prompt.
  QStringList made;
  if (r.strength || !r.inputName.isEmpty())
    made << tr("%1 input %2, strength %3")
                .arg(r.inpaint ? tr("inpainted from") : tr("from"))
                .arg(r.inputName.isEmpty() ? tr("(unnamed)") : r.inputName.toHtmlEscaped())
                .arg(r.strength.value_or(0), 0, 'f', 2);
  if (!r.loras.empty()) {
    QStringList loras;
    for (const RecordLora& lora : r.loras)
      loras << QStringLiteral("%1 %2").arg(lora.name.toHtmlEscaped()).arg(lora.scale);
    made << tr("LoRA %1").arg(loras.join(QStringLiteral(", ")));
  }
  if (!made.isEmpty()) text += QStringLiteral("<br>") + made.join(QStringLiteral(" · "));
  return text;
}

void DetailsPanel::copyImage() {
  if (!view_->image().isNull()) QApplication::clipboard()->setImage(view_->image());
}

void DetailsPanel::copyPrompt() {
  if (record_) QApplication::clipboard()->setText(record_->prompt);
}

void DetailsPanel::showInFileManager() {
  if (record_)
    QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(record_->filePath).absolutePath()));
}

}  // namespace fd::ui
