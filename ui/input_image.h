#pragma once
// The input picture of the next image-to-image or inpainting request, and
// the mask painted over it: one object that the generation panel (the
// thumbnail, strength and request) and the Input tab (the brush) share.

#include <QImage>
#include <QObject>
#include <QString>
#include <memory>

#include "common/result.h"
#include "mask_painter.h"
#include "pipeline/pipeline.h"

namespace fd::ui {

// The files an input picture may come from (what decodeImage reads well).
bool isInputImageFile(const QString& path);
// For file dialogs: "Images (*.png *.jpg *.jpeg *.webp)".
QString inputImageFileFilter();

class InputImage : public QObject {
  Q_OBJECT
 public:
  explicit InputImage(QObject* parent = nullptr);

  // Reads a PNG, JPEG or WebP (any size); the mask starts empty. An error
  // names the file; the current input is then kept.
  Status load(const QString& path);
  // Pixels already in memory (a gallery record's kept input); its mask too
  // when it has the picture's size.
  void set(const SourceImage& image);
  void clear();

  bool isSet() const { return picture_ != nullptr; }
  int width() const { return picture_ ? picture_->width : 0; }
  int height() const { return picture_ ? picture_->height : 0; }
  QString name() const { return name_; }
  const QImage& preview() const { return preview_; }  // the picture for display

  MaskPainter& mask() { return mask_; }
  const MaskPainter& mask() const { return mask_; }
  bool hasMask() const { return !mask_.isEmpty(); }
  // Call after changing mask() (the brush, Clear): emits maskChanged.
  void maskEdited();

  // The request's source: the picture, plus the mask when any pixel is
  // marked; null without a picture. Built again only after a change, and
  // never changed once handed out (queued requests keep theirs).
  std::shared_ptr<const SourceImage> source() const;

 signals:
  void imageChanged();  // loaded, set or cleared (the mask is new too)
  void maskChanged();

 private:
  void adopt(std::shared_ptr<const SourceImage> picture, const QString& name);

  std::shared_ptr<const SourceImage> picture_;  // without mask
  QString name_;
  QImage preview_;
  MaskPainter mask_;
  mutable std::shared_ptr<const SourceImage> source_;  // cache of source()
};

}  // namespace fd::ui
