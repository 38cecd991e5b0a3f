#pragma once
// Shows one image large: fit to the window, 100 %, or zoomed (Ctrl+wheel,
// +/-). Scrolls when larger than the view. With a mask painter set (the
// input picture of image-to-image), the left button paints or erases the
// inpainting mask, shown as a translucent overlay with the brush outline.

#include <QImage>
#include <QScrollArea>

class QLabel;

namespace fd::ui {

class MaskOverlay;
class MaskPainter;

class ImageView : public QScrollArea {
  Q_OBJECT
 public:
  explicit ImageView(QWidget* parent = nullptr);

  void setImage(const QImage& image);
  const QImage& image() const { return image_; }
  void clear();
  void setPlaceholder(const QString& text);  // shown while there is no image

  void fitToWindow();
  void actualSize();
  void zoomBy(double factor);
  bool isFitting() const { return fit_; }
  double zoom() const { return zoom_; }  // the scale shown (fit's too)

  // Mask editing (null: view only). The painter must have the image's size
  // and outlive the view or be unset first; call refreshMask() after it
  // changed elsewhere (cleared, replaced).
  void setMaskPainter(MaskPainter* painter);
  MaskPainter* maskPainter() const { return painter_; }
  void refreshMask();
  // Where a point of the viewport falls on the image, in image pixels.
  QPointF imagePointAt(const QPoint& viewportPos) const;
  // The widget that takes the brush's mouse events (tests drive it).
  QWidget* paintSurface() const;

 signals:
  void zoomChanged(double zoom, bool fitting);
  void maskEdited();  // after each piece of a stroke

 protected:
  void resizeEvent(QResizeEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;

 private:
  friend class MaskOverlay;
  void render();
  void paintStroke(QPointF from, QPointF to);  // image pixels

  QLabel* label_;
  MaskOverlay* overlay_ = nullptr;
  QImage image_;
  QString placeholder_;
  double zoom_ = 1.0;
  bool fit_ = true;
  MaskPainter* painter_ = nullptr;
};

}  // namespace fd::ui
