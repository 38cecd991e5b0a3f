#pragma once
// Shows one image large: fit to the window, 100 %, or zoomed (Ctrl+wheel,
// +/-). Scrolls when larger than the view.

#include <QImage>
#include <QScrollArea>

class QLabel;

namespace fd::ui {

class ImageView : public QScrollArea {
  Q_OBJECT
 public:
  explicit ImageView(QWidget* parent = nullptr);

  void setImage(const QImage& image);
  const QImage& image() const { return image_; }
  void clear();

  void fitToWindow();
  void actualSize();
  void zoomBy(double factor);
  bool isFitting() const { return fit_; }
  double zoom() const { return zoom_; }

 signals:
  void zoomChanged(double zoom, bool fitting);

 protected:
  void resizeEvent(QResizeEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;

 private:
  void render();

  QLabel* label_;
  QImage image_;
  double zoom_ = 1.0;
  bool fit_ = true;
};

}  // namespace fd::ui
