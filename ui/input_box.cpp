#include "input_box.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPixmap>
#include <QPushButton>
#include <QSlider>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "input_image.h"
#include "pipeline/pipeline.h"
#include "pipeline/request_validation.h"

namespace fd::ui {

namespace {
constexpr int kSliderSteps = 20;  // 0.05 apart
constexpr int kThumbnailEdge = 56;
}  // namespace

InputBox::InputBox(InputImage* input, QWidget* parent) : QWidget(parent), input_(input) {
  setObjectName(QStringLiteral("inputBox"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);

  empty_ = new QWidget(this);
  auto* emptyRow = new QHBoxLayout(empty_);
  emptyRow->setContentsMargins(0, 0, 0, 0);
  auto* none =
      new QLabel(tr("Input image: none (drop a picture on the window to start from it)"), empty_);
  none->setWordWrap(true);
  auto* open = new QPushButton(tr("Open…"), empty_);
  open->setObjectName(QStringLiteral("openInputButton"));
  open->setToolTip(tr("Start from a picture: image-to-image, or inpainting with a mask"));
  emptyRow->addWidget(none, 1);
  emptyRow->addWidget(open);
  layout->addWidget(empty_);

  details_ = new QWidget(this);
  auto* detailsLayout = new QVBoxLayout(details_);
  detailsLayout->setContentsMargins(0, 0, 0, 0);
  auto* top = new QHBoxLayout();
  thumbnail_ = new QLabel(details_);
  thumbnail_->setObjectName(QStringLiteral("inputThumbnail"));
  thumbnail_->setFixedSize(kThumbnailEdge, kThumbnailEdge);
  thumbnail_->setAlignment(Qt::AlignCenter);
  info_ = new QLabel(details_);
  info_->setObjectName(QStringLiteral("inputInfo"));
  info_->setWordWrap(true);
  auto* match = new QPushButton(tr("Match size"), details_);
  match->setObjectName(QStringLiteral("matchInputSizeButton"));
  match->setToolTip(tr("Set the image size to the input's (within the size limits)"));
  auto* clear = new QPushButton(tr("Clear"), details_);
  clear->setObjectName(QStringLiteral("clearInputButton"));
  clear->setToolTip(tr("Make images from the prompt alone again"));
  auto* buttons = new QVBoxLayout();
  buttons->addWidget(match);
  buttons->addWidget(clear);
  top->addWidget(thumbnail_);
  top->addWidget(info_, 1);
  top->addLayout(buttons);
  detailsLayout->addLayout(top);

  auto* strengthRow = new QHBoxLayout();
  slider_ = new QSlider(Qt::Horizontal, details_);
  slider_->setObjectName(QStringLiteral("strengthSlider"));
  slider_->setRange(0, kSliderSteps);
  slider_->setPageStep(5);
  slider_->setToolTip(tr("How much of the input is redrawn: 0 keeps it, 1 redraws it all"));
  value_ = new QLabel(details_);
  value_->setObjectName(QStringLiteral("strengthValue"));
  value_->setMinimumWidth(value_->fontMetrics().horizontalAdvance(QStringLiteral("0.00 ")));
  strengthRow->addWidget(new QLabel(tr("Strength"), details_));
  strengthRow->addWidget(slider_, 1);
  strengthRow->addWidget(value_);
  detailsLayout->addLayout(strengthRow);
  hint_ = new QLabel(details_);
  hint_->setObjectName(QStringLiteral("strengthHint"));
  hint_->setWordWrap(true);
  detailsLayout->addWidget(hint_);
  layout->addWidget(details_);

  connect(open, &QPushButton::clicked, this, &InputBox::openRequested);
  connect(match, &QPushButton::clicked, this, &InputBox::matchSizeRequested);
  connect(clear, &QPushButton::clicked, input_, &InputImage::clear);
  connect(slider_, &QSlider::valueChanged, this, [this] {
    if (!updating_) chosen_ = true;
    value_->setText(QString::number(strength(), 'f', 2));
    updateHint();
  });
  connect(input_, &InputImage::imageChanged, this, &InputBox::onImageChanged);
  connect(input_, &InputImage::maskChanged, this, &InputBox::onMaskChanged);
  onImageChanged();
}

double InputBox::strength() const { return slider_->value() / double(kSliderSteps); }

void InputBox::setStrength(double strength) {
  slider_->setValue(int(std::lround(std::clamp(strength, 0.0, 1.0) * kSliderSteps)));
  chosen_ = true;
}

void InputBox::showStrength(double strength) {
  updating_ = true;
  slider_->setValue(int(std::lround(strength * kSliderSteps)));
  updating_ = false;
  value_->setText(QString::number(this->strength(), 'f', 2));
}

void InputBox::setSteps(int steps) {
  steps_ = steps;
  updateHint();
}

void InputBox::onImageChanged() {
  const bool set = input_->isSet();
  empty_->setVisible(!set);
  details_->setVisible(set);
  chosen_ = false;  // a new picture starts from the defaults
  showStrength(input_->hasMask() ? kDefaultInpaintStrength : kDefaultStrength);
  if (set)
    thumbnail_->setPixmap(QPixmap::fromImage(input_->preview().scaled(
        kThumbnailEdge, kThumbnailEdge, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
  else
    thumbnail_->clear();
  updateInfo();
  updateHint();
}

void InputBox::onMaskChanged() {
  if (!chosen_) showStrength(input_->hasMask() ? kDefaultInpaintStrength : kDefaultStrength);
  updateInfo();
  updateHint();
}

void InputBox::updateInfo() {
  if (!input_->isSet()) {
    info_->clear();
    return;
  }
  const MaskPainter& mask = input_->mask();
  const int total = std::max(1, mask.width() * mask.height());
  const QString what =
      input_->hasMask() ? tr("inpainting %1 % (the rest is kept)")
                              .arg(std::max(1, qRound(100.0 * mask.markedCount() / total)))
                        : tr("image-to-image (paint a mask in the Input tab to change only part)");
  info_->setText(tr("<b>%1</b><br>%2×%3 · %4")
                     .arg(input_->name().toHtmlEscaped())
                     .arg(input_->width())
                     .arg(input_->height())
                     .arg(what));
}

QString InputBox::hintText() const { return hint_->text(); }

// Strength follows diffusers: int(steps - steps * strength) steps are
// skipped. With few steps, strengths near 1 skip none, and then the input
// does not show through at all (without a mask) — the common surprise.
void InputBox::updateHint() {
  if (!input_->isSet()) {
    hint_->clear();
    return;
  }
  const double s = strength();
  const int first = img2imgSkippedSteps(steps_, s);
  QString hint;
  if (first >= steps_) {
    int least = kSliderSteps;
    for (int v = 0; v <= kSliderSteps; ++v)
      if (img2imgSkippedSteps(steps_, v / double(kSliderSteps)) < steps_) {
        least = v;
        break;
      }
    hint = tr("At %1 steps strength %2 leaves no step to run; use %3 or more.")
               .arg(steps_)
               .arg(s, 0, 'f', 2)
               .arg(least / double(kSliderSteps), 0, 'f', 2);
  } else if (first == 0 && !input_->hasMask()) {
    int most = -1;
    for (int v = kSliderSteps; v >= 0; --v)
      if (const int f = img2imgSkippedSteps(steps_, v / double(kSliderSteps));
          f >= 1 && f < steps_) {
        most = v;
        break;
      }
    hint = most >= 0
               ? tr("At %1 steps this redraws everything; use %2 or less to keep the picture.")
                     .arg(steps_)
                     .arg(most / double(kSliderSteps), 0, 'f', 2)
               : tr("At %1 steps this redraws everything; use more steps to keep the picture.")
                     .arg(steps_);
  } else {
    hint = tr("Runs %1 of %2 steps, starting from the picture.").arg(steps_ - first).arg(steps_);
  }
  hint_->setText(hint);
}

}  // namespace fd::ui
