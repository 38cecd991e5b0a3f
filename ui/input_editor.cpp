#include "input_editor.h"

#include <QButtonGroup>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include "image_view.h"
#include "input_image.h"

namespace fd::ui {

namespace {
QToolButton* toolButton(const QString& text, const QString& name, const QString& tip,
                        QWidget* parent) {
  auto* button = new QToolButton(parent);
  button->setText(text);
  button->setObjectName(name);
  button->setToolTip(tip);
  return button;
}
}  // namespace

InputEditor::InputEditor(InputImage* input, QWidget* parent) : QWidget(parent), input_(input) {
  setObjectName(QStringLiteral("inputEditor"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);

  tools_ = new QWidget(this);
  auto* row = new QHBoxLayout(tools_);
  row->setContentsMargins(0, 0, 0, 0);
  paint_ = toolButton(
      tr("Paint mask"), QStringLiteral("paintMaskButton"),
      tr("Mark the area to redraw (inpainting); the rest of the picture is kept exactly"), tools_);
  erase_ = toolButton(tr("Erase"), QStringLiteral("eraseMaskButton"), tr("Unmark part of the mask"),
                      tools_);
  paint_->setCheckable(true);
  erase_->setCheckable(true);
  paint_->setChecked(true);
  auto* group = new QButtonGroup(this);
  group->addButton(paint_);
  group->addButton(erase_);
  brush_ = new QSpinBox(tools_);
  brush_->setObjectName(QStringLiteral("brushSizeSpin"));
  brush_->setRange(1, 512);
  brush_->setValue(48);
  brush_->setSuffix(tr(" px"));
  brush_->setToolTip(tr("Brush diameter, in the input picture's pixels"));
  clear_ = toolButton(tr("Clear mask"), QStringLiteral("clearMaskButton"),
                      tr("Remove the mask: the whole picture is redrawn (image-to-image)"), tools_);
  auto* fit = toolButton(tr("Fit"), QStringLiteral("inputFitButton"),
                         tr("Fit the picture to the view"), tools_);
  row->addWidget(paint_);
  row->addWidget(erase_);
  row->addWidget(new QLabel(tr("Brush"), tools_));
  row->addWidget(brush_);
  row->addWidget(clear_);
  row->addWidget(fit);
  row->addStretch(1);
  layout->addWidget(tools_);

  view_ = new ImageView(this);
  view_->setObjectName(QStringLiteral("inputView"));
  view_->setPlaceholder(
      tr("No input image.\nUse a gallery image as input (right-click it), open one with "
         "File → Open input image…, or drop a picture on the window."));
  layout->addWidget(view_, 1);
  status_ = new QLabel(this);
  status_->setObjectName(QStringLiteral("maskStatus"));
  status_->setWordWrap(true);
  layout->addWidget(status_);

  MaskPainter& mask = input_->mask();
  mask.setBrushDiameter(brush_->value());
  connect(paint_, &QToolButton::toggled, this, [this](bool on) {
    if (on) input_->mask().setMode(MaskPainter::Mode::Paint);
  });
  connect(erase_, &QToolButton::toggled, this, [this](bool on) {
    if (on) input_->mask().setMode(MaskPainter::Mode::Erase);
  });
  connect(brush_, qOverload<int>(&QSpinBox::valueChanged), this,
          [this](int size) { input_->mask().setBrushDiameter(size); });
  connect(clear_, &QToolButton::clicked, this, [this] {
    input_->mask().clear();
    view_->refreshMask();  // strokes redraw their own pixels; a cleared mask needs a full one
    input_->maskEdited();
  });
  connect(fit, &QToolButton::clicked, view_, &ImageView::fitToWindow);
  connect(view_, &ImageView::maskEdited, input_, &InputImage::maskEdited);
  connect(input_, &InputImage::imageChanged, this, &InputEditor::onImageChanged);
  connect(input_, &InputImage::maskChanged, this, &InputEditor::updateStatus);
  onImageChanged();
}

void InputEditor::onImageChanged() {
  if (input_->isSet()) {
    view_->setImage(input_->preview());
    view_->setMaskPainter(&input_->mask());
  } else {
    view_->setMaskPainter(nullptr);
    view_->clear();
  }
  tools_->setEnabled(input_->isSet());
  updateStatus();
}

QString InputEditor::statusText() const { return status_->text(); }

void InputEditor::updateStatus() {
  if (!input_->isSet()) {
    status_->clear();
    return;
  }
  status_->setText(
      input_->hasMask()
          ? tr("Inpainting: only the marked area is redrawn, every other pixel is kept.")
          : tr("No mask: the whole picture is redrawn as far as the strength says. Paint over an "
               "area to change only that."));
}

}  // namespace fd::ui
