#pragma once
// The inpainting mask being painted over an input picture: one byte per
// input pixel (1 = repaint, 0 = keep), as SourceImage::mask takes it. Round
// brush strokes in the picture's own pixels, paint or erase; no widget, so
// the brush is tested on its own (the image view only maps mouse positions).

#include <QImage>
#include <QPointF>
#include <QRect>
#include <cstdint>
#include <vector>

namespace fd::ui {

class MaskPainter {
 public:
  enum class Mode { Paint, Erase };

  // A new, empty mask of the picture's size (0x0: no picture).
  void reset(int width, int height);
  // Takes a mask of this size (nonzero = repaint); false (and unchanged) when the size differs.
  bool setMask(const std::vector<uint8_t>& mask);
  void clear();  // every pixel back to "keep"

  int width() const { return width_; }
  int height() const { return height_; }
  void setMode(Mode mode) { mode_ = mode; }
  Mode mode() const { return mode_; }
  void setBrushDiameter(double pixels);  // at least 1
  double brushDiameter() const { return diameter_; }

  // One piece of a stroke (from == to: a single dab): every pixel whose
  // centre lies within half the brush diameter of the segment becomes
  // "repaint" (Paint) or "keep" (Erase). Returns the pixels it may have
  // changed (clipped to the picture; empty when outside it).
  QRect stroke(QPointF from, QPointF to);

  bool isMarked(int x, int y) const { return mask_[size_t(y) * size_t(width_) + size_t(x)] != 0; }
  int markedCount() const { return marked_; }
  bool isEmpty() const { return marked_ == 0; }
  const std::vector<uint8_t>& bytes() const { return mask_; }

  // The mask for display: `color` on marked pixels, transparent elsewhere
  // (ARGB32 premultiplied, the picture's size).
  QImage overlay(QRgb color) const;
  // The same for `area` only, written into an overlay made by overlay().
  void updateOverlay(QImage& overlay, const QRect& area, QRgb color) const;

 private:
  int width_ = 0, height_ = 0;
  std::vector<uint8_t> mask_;
  int marked_ = 0;  // kept up to date so isEmpty() is cheap after every stroke
  Mode mode_ = Mode::Paint;
  double diameter_ = 48;
};

}  // namespace fd::ui
