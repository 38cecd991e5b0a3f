#include "progress_panel.h"

#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QPixmap>
#include <QProgressBar>
#include <QVBoxLayout>

namespace fd::ui {

ProgressPanel::ProgressPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  preview_ = new QLabel(this);
  preview_->setObjectName(QStringLiteral("latentPreview"));
  preview_->setFixedSize(112, 112);
  preview_->setAlignment(Qt::AlignCenter);
  preview_->setFrameShape(QFrame::StyledPanel);
  layout->addWidget(preview_);
  auto* column = new QVBoxLayout();
  status_ = new QLabel(tr("Loading the model…"), this);
  status_->setObjectName(QStringLiteral("progressStatus"));
  status_->setWordWrap(true);
  bar_ = new QProgressBar(this);
  bar_->setObjectName(QStringLiteral("progressBar"));
  bar_->setRange(0, 100);
  bar_->setValue(0);
  column->addWidget(status_);
  column->addWidget(bar_);
  layout->addLayout(column, 1);
}

void ProgressPanel::start() {
  clock_.start();
  stepSecondsSum_ = 0;
  stepsSeen_ = 0;
  bar_->setValue(0);
  preview_->clear();
  status_->setText(tr("Starting…"));
}

void ProgressPanel::update(const Progress& p) {
  switch (p.stage) {
    case Stage::Loading:
      status_->setText(p.message.empty()
                           ? tr("Loading the model…")
                           : tr("Loading: %1").arg(QString::fromStdString(p.message)));
      bar_->setValue(static_cast<int>(p.fraction * 100));
      break;
    case Stage::EncodingText:
      status_->setText(tr("Reading the prompt…"));
      bar_->setValue(5);
      break;
    case Stage::Denoising: {
      stepSecondsSum_ += p.stepSeconds;
      ++stepsSeen_;
      double perStep = stepsSeen_ ? stepSecondsSum_ / stepsSeen_ : 0;
      int left = std::max(0, p.totalSteps - p.step);
      // What is left: the remaining steps plus roughly one step for decoding.
      double eta = perStep * (left + 1);
      status_->setText(tr("Step %1 of %2 (%3 s) — about %4 s left")
                           .arg(p.step)
                           .arg(p.totalSteps)
                           .arg(p.stepSeconds, 0, 'f', 1)
                           .arg(eta, 0, 'f', 0));
      bar_->setValue(p.totalSteps ? 10 + 80 * p.step / p.totalSteps : 50);
      if (p.preview && p.preview->width > 0 && !p.preview->rgb.empty()) {
        QImage img(p.preview->rgb.data(), p.preview->width, p.preview->height, p.preview->width * 3,
                   QImage::Format_RGB888);
        preview_->setPixmap(QPixmap::fromImage(
            img.scaled(preview_->size(), Qt::KeepAspectRatio, Qt::SmoothTransformation)));
      }
      break;
    }
    case Stage::Decoding:
      status_->setText(tr("Decoding the image…"));
      bar_->setValue(92);
      break;
    case Stage::Done: bar_->setValue(100); break;
  }
}

void ProgressPanel::finish(const QString& message) {
  bar_->setValue(100);
  status_->setText(message);
}

void ProgressPanel::showIdle(const QString& message) {
  bar_->setValue(0);
  preview_->clear();
  status_->setText(message);
}

QString ProgressPanel::statusText() const { return status_->text(); }

bool ProgressPanel::hasPreview() const { return preview_->pixmap().isNull() == false; }

}  // namespace fd::ui
