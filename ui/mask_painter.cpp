#include "mask_painter.h"

#include <algorithm>
#include <cmath>

namespace fd::ui {

namespace {
// Squared distance from p to the segment a-b.
double distanceSquared(QPointF p, QPointF a, QPointF b) {
  const QPointF ab = b - a, ap = p - a;
  const double length = QPointF::dotProduct(ab, ab);
  const double t = length > 0 ? std::clamp(QPointF::dotProduct(ap, ab) / length, 0.0, 1.0) : 0.0;
  const QPointF d = ap - ab * t;
  return QPointF::dotProduct(d, d);
}
}  // namespace

void MaskPainter::reset(int width, int height) {
  width_ = std::max(0, width);
  height_ = std::max(0, height);
  mask_.assign(size_t(width_) * size_t(height_), 0);
  marked_ = 0;
}

bool MaskPainter::setMask(const std::vector<uint8_t>& mask) {
  if (mask.size() != mask_.size()) return false;
  marked_ = 0;
  for (size_t i = 0; i < mask.size(); ++i) {
    mask_[i] = mask[i] ? 1 : 0;
    marked_ += mask_[i];
  }
  return true;
}

void MaskPainter::clear() {
  std::fill(mask_.begin(), mask_.end(), 0);
  marked_ = 0;
}

void MaskPainter::setBrushDiameter(double pixels) { diameter_ = std::max(1.0, pixels); }

QRect MaskPainter::stroke(QPointF from, QPointF to) {
  const double r = diameter_ / 2;
  const int x0 = std::max(0, int(std::floor(std::min(from.x(), to.x()) - r)));
  const int y0 = std::max(0, int(std::floor(std::min(from.y(), to.y()) - r)));
  const int x1 = std::min(width_ - 1, int(std::ceil(std::max(from.x(), to.x()) + r)));
  const int y1 = std::min(height_ - 1, int(std::ceil(std::max(from.y(), to.y()) + r)));
  if (x0 > x1 || y0 > y1) return {};
  const uint8_t value = mode_ == Mode::Paint ? 1 : 0;
  for (int y = y0; y <= y1; ++y) {
    uint8_t* row = mask_.data() + size_t(y) * size_t(width_);
    for (int x = x0; x <= x1; ++x) {
      if (row[x] == value || distanceSquared(QPointF(x + 0.5, y + 0.5), from, to) > r * r) continue;
      marked_ += value ? 1 : -1;
      row[x] = value;
    }
  }
  return QRect(QPoint(x0, y0), QPoint(x1, y1));
}

QImage MaskPainter::overlay(QRgb color) const {
  QImage image(std::max(1, width_), std::max(1, height_), QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::transparent);
  updateOverlay(image, QRect(0, 0, width_, height_), color);
  return image;
}

void MaskPainter::updateOverlay(QImage& overlay, const QRect& area, QRgb color) const {
  const QRect clipped =
      area & QRect(0, 0, std::min(width_, overlay.width()), std::min(height_, overlay.height()));
  const QRgb marked = qPremultiply(color);
  for (int y = clipped.top(); y <= clipped.bottom(); ++y) {
    auto* line = reinterpret_cast<QRgb*>(overlay.scanLine(y));
    const uint8_t* row = mask_.data() + size_t(y) * size_t(width_);
    for (int x = clipped.left(); x <= clipped.right(); ++x) line[x] = row[x] ? marked : 0;
  }
}

}  // namespace fd::ui
