#include "image_view.h"

#include <QLabel>
#include <QPixmap>
#include <QResizeEvent>
#include <QWheelEvent>
#include <algorithm>

namespace fd::ui {

ImageView::ImageView(QWidget* parent) : QScrollArea(parent), label_(new QLabel(this)) {
  setObjectName(QStringLiteral("imageView"));
  label_->setAlignment(Qt::AlignCenter);
  label_->setText(tr("No image selected"));
  setWidget(label_);
  setWidgetResizable(false);
  setAlignment(Qt::AlignCenter);
  setBackgroundRole(QPalette::Dark);
}

void ImageView::setImage(const QImage& image) {
  image_ = image;
  render();
}

void ImageView::clear() {
  image_ = QImage();
  label_->setPixmap(QPixmap());
  label_->setText(tr("No image selected"));
  label_->adjustSize();
}

void ImageView::fitToWindow() {
  fit_ = true;
  render();
}

void ImageView::actualSize() {
  fit_ = false;
  zoom_ = 1.0;
  render();
}

void ImageView::zoomBy(double factor) {
  if (fit_ && !image_.isNull()) {
    // Start zooming from the scale that "fit" currently shows.
    zoom_ = std::min(viewport()->width() / double(image_.width()),
                     viewport()->height() / double(image_.height()));
  }
  fit_ = false;
  zoom_ = std::clamp(zoom_ * factor, 0.05, 16.0);
  render();
}

void ImageView::render() {
  if (image_.isNull()) return;
  double scale = zoom_;
  if (fit_) {
    scale = std::min(viewport()->width() / double(image_.width()),
                     viewport()->height() / double(image_.height()));
    scale = std::clamp(scale, 0.01, 1.0);  // fit never enlarges
  }
  QSize size(std::max(1, int(image_.width() * scale)), std::max(1, int(image_.height() * scale)));
  // Nearest neighbour above 100 % so pixels stay crisp when inspecting.
  auto mode = scale > 1.0 ? Qt::FastTransformation : Qt::SmoothTransformation;
  label_->setPixmap(QPixmap::fromImage(image_.scaled(size, Qt::KeepAspectRatio, mode)));
  label_->resize(size);
  emit zoomChanged(scale, fit_);
}

void ImageView::resizeEvent(QResizeEvent* event) {
  QScrollArea::resizeEvent(event);
  if (fit_) render();
}

void ImageView::wheelEvent(QWheelEvent* event) {
  if (event->modifiers() & Qt::ControlModifier) {
    zoomBy(event->angleDelta().y() > 0 ? 1.25 : 0.8);
    event->accept();
    return;
  }
  QScrollArea::wheelEvent(event);
}

}  // namespace fd::ui
