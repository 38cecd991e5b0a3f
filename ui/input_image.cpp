#include "input_image.h"

#include <QFileInfo>

#include "service/image_files.h"

namespace fd::ui {

bool isInputImageFile(const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  return suffix == QLatin1String("png") || suffix == QLatin1String("jpg") ||
         suffix == QLatin1String("jpeg") || suffix == QLatin1String("webp");
}

QString inputImageFileFilter() { return QObject::tr("Images (*.png *.jpg *.jpeg *.webp)"); }

InputImage::InputImage(QObject* parent) : QObject(parent) {}

Status InputImage::load(const QString& path) {
  Result<SourceImage> read = readInputPicture(path);
  if (!read) return read.error();
  auto picture = std::make_shared<SourceImage>(std::move(read.value()));
  adopt(std::move(picture), QFileInfo(path).fileName());
  emit imageChanged();
  return Status::success();
}

void InputImage::set(const SourceImage& image) {
  auto picture = std::make_shared<SourceImage>(image);
  picture->mask.clear();
  adopt(std::move(picture), QString::fromStdString(image.name));
  mask_.setMask(image.mask);  // ignored unless it has the picture's size
  emit imageChanged();
}

void InputImage::clear() {
  picture_.reset();
  source_.reset();
  name_.clear();
  preview_ = QImage();
  mask_.reset(0, 0);
  emit imageChanged();
}

void InputImage::adopt(std::shared_ptr<const SourceImage> picture, const QString& name) {
  picture_ = std::move(picture);
  source_.reset();
  name_ = name;
  // A deep copy: the QImage must not point into pixels it does not own.
  preview_ = QImage(picture_->rgb.data(), picture_->width, picture_->height, picture_->width * 3,
                    QImage::Format_RGB888)
                 .copy();
  mask_.reset(picture_->width, picture_->height);
}

void InputImage::maskEdited() {
  source_.reset();
  emit maskChanged();
}

std::shared_ptr<const SourceImage> InputImage::source() const {
  if (!picture_) return nullptr;
  if (mask_.isEmpty()) return picture_;
  if (!source_) {
    auto withMask = std::make_shared<SourceImage>(*picture_);
    withMask->mask = mask_.bytes();
    source_ = std::move(withMask);
  }
  return source_;
}

}  // namespace fd::ui
