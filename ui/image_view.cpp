#include "image_view.h"

#include <QLabel>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QPixmap>
#include <QResizeEvent>
#include <QWheelEvent>
#include <algorithm>
#include <optional>

#include "mask_painter.h"

namespace fd::ui {

namespace {
constexpr QRgb kMaskColor = qRgba(255, 40, 90, 120);  // translucent: the picture stays visible
}

// Lies exactly over the label's pixmap: draws the mask scaled like the
// picture and turns mouse drags into strokes in image pixels.
class MaskOverlay : public QWidget {
 public:
  MaskOverlay(ImageView* view, QWidget* parent) : QWidget(parent), view_(view) {
    setMouseTracking(true);  // the brush outline follows the pointer
    setCursor(Qt::CrossCursor);
  }
  QImage mask;  // the painter's overlay(), kept in step stroke by stroke

 protected:
  void paintEvent(QPaintEvent* event) override {
    QPainter p(this);
    p.setClipRegion(event->region());
    if (!mask.isNull()) p.drawImage(rect(), mask);
    if (hover_ && view_->painter_) {
      const double r = view_->painter_->brushDiameter() * scale() / 2;
      p.setRenderHint(QPainter::Antialiasing);
      p.setPen(QPen(Qt::white, 1));
      p.drawEllipse(*hover_, r, r);
      p.setPen(QPen(Qt::black, 1, Qt::DotLine));
      p.drawEllipse(*hover_, r, r);
    }
  }
  void mousePressEvent(QMouseEvent* event) override {
    if (event->button() != Qt::LeftButton) return QWidget::mousePressEvent(event);
    last_ = toImage(event->position());
    view_->paintStroke(*last_, *last_);
  }
  void mouseMoveEvent(QMouseEvent* event) override {
    moveOutline(event->position());
    if (!last_ || !(event->buttons() & Qt::LeftButton)) return;
    const QPointF point = toImage(event->position());
    view_->paintStroke(*last_, point);
    last_ = point;
  }
  void mouseReleaseEvent(QMouseEvent*) override { last_.reset(); }
  void leaveEvent(QEvent*) override {
    hover_.reset();
    update();
  }

 private:
  double scale() const {
    return view_->image_.isNull() ? 1.0 : width() / double(view_->image_.width());
  }
  QPointF toImage(QPointF pos) const { return pos / scale(); }
  void moveOutline(QPointF pos) {
    hover_ = pos;
    update();  // the outline is small next to a repaint of the mask
  }

  ImageView* view_;
  std::optional<QPointF> last_;   // image pixels, while the button is down
  std::optional<QPointF> hover_;  // widget pixels
};

ImageView::ImageView(QWidget* parent)
    : QScrollArea(parent), label_(new QLabel(this)), placeholder_(tr("No image selected")) {
  setObjectName(QStringLiteral("imageView"));
  label_->setAlignment(Qt::AlignCenter);
  label_->setText(placeholder_);
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
  label_->setText(placeholder_);
  label_->adjustSize();
  if (overlay_) overlay_->hide();
}

void ImageView::setPlaceholder(const QString& text) {
  placeholder_ = text;
  if (image_.isNull()) {
    label_->setText(text);
    label_->adjustSize();
  }
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

void ImageView::setMaskPainter(MaskPainter* painter) {
  painter_ = painter;
  if (!painter_) {
    delete overlay_;
    overlay_ = nullptr;
    return;
  }
  if (!overlay_) overlay_ = new MaskOverlay(this, label_);
  refreshMask();
}

void ImageView::refreshMask() {
  if (!overlay_ || !painter_) return;
  overlay_->mask = painter_->width() > 0 ? painter_->overlay(kMaskColor) : QImage();
  overlay_->setGeometry(label_->rect());
  overlay_->setVisible(!image_.isNull());
  overlay_->update();
}

void ImageView::paintStroke(QPointF from, QPointF to) {
  if (!painter_ || painter_->width() != image_.width() || painter_->height() != image_.height())
    return;
  const QRect changed = painter_->stroke(from, to);
  if (changed.isEmpty()) return;
  painter_->updateOverlay(overlay_->mask, changed, kMaskColor);
  // Only the widget pixels over the changed image pixels are repainted.
  const double scale = overlay_->width() / double(image_.width());
  overlay_->update(QRectF(changed.x() * scale, changed.y() * scale, (changed.width() + 1) * scale,
                          (changed.height() + 1) * scale)
                       .toAlignedRect()
                       .adjusted(-2, -2, 2, 2));
  emit maskEdited();
}

QPointF ImageView::imagePointAt(const QPoint& viewportPos) const {
  const QPoint onLabel = label_->mapFrom(viewport(), viewportPos);
  const double scale = image_.isNull() ? 1.0 : label_->width() / double(image_.width());
  return QPointF(onLabel) / scale;
}

QWidget* ImageView::paintSurface() const { return overlay_; }

void ImageView::render() {
  if (image_.isNull()) return;
  double scale = zoom_;
  if (fit_) {
    scale = std::min(viewport()->width() / double(image_.width()),
                     viewport()->height() / double(image_.height()));
    scale = std::clamp(scale, 0.01, 1.0);  // fit never enlarges
    zoom_ = scale;
  }
  QSize size(std::max(1, int(image_.width() * scale)), std::max(1, int(image_.height() * scale)));
  // Nearest neighbour above 100 % so pixels stay crisp when inspecting.
  auto mode = scale > 1.0 ? Qt::FastTransformation : Qt::SmoothTransformation;
  label_->setPixmap(QPixmap::fromImage(image_.scaled(size, Qt::KeepAspectRatio, mode)));
  label_->resize(size);
  if (overlay_) {
    overlay_->setGeometry(label_->rect());
    overlay_->setVisible(true);
    overlay_->raise();
  }
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
