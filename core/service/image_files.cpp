#include "service/image_files.h"

#include <QFileInfo>

#include "pipeline/image_io.h"
#include "pipeline/mask_image.h"
#include "pipeline/png_chunks.h"
#include "service/image_record.h"

namespace fd {

namespace {

Result<SourceImage> readPicture(const QString& path, const QString& name) {
  Result<DecodedImage> decoded = readImageFile(path.toStdString());
  if (!decoded) return decoded.error();
  SourceImage picture;
  picture.width = decoded->width;
  picture.height = decoded->height;
  picture.rgb = std::move(decoded->rgb);
  picture.name = name.toStdString();
  return picture;
}

}  // namespace

Result<SourceImage> readInputPicture(const QString& path) {
  return readPicture(path, QFileInfo(path).fileName());
}

Result<SourceImage> readKeptInput(const ImageRecord& record) {
  Result<SourceImage> source = readPicture(
      record.inputPath,
      record.inputName.isEmpty() ? QFileInfo(record.inputPath).fileName() : record.inputName);
  if (!source || record.maskPath.isEmpty()) return source;
  Result<std::vector<uint8_t>> bytes = readFileBytes(record.maskPath.toStdString());
  if (!bytes) return bytes.error();
  Result<MaskImage> mask = decodeMaskImage(bytes.value());
  if (!mask) return mask.error();
  if (mask->width != source->width || mask->height != source->height)
    return makeError(ErrorKind::BadRequest, "the kept mask is not the size of the kept input");
  source->mask = std::move(mask->repaint);
  return source;
}

QMap<QString, QString> readImageTexts(const QString& path) {
  QMap<QString, QString> texts;
  auto chunks = readPngTextChunks(path.toStdString());
  if (!chunks) return texts;
  for (const auto& [key, value] : chunks.value())
    texts.insert(QString::fromStdString(key), QString::fromStdString(value));
  return texts;
}

Result<QByteArray> withJpegComments(const QByteArray& jpeg, const QStringList& comments) {
  std::vector<uint8_t> bytes(jpeg.begin(), jpeg.end());
  // Each insert goes right after APP0: inserting in reverse leaves them in order.
  for (auto it = comments.crbegin(); it != comments.crend(); ++it) {
    if (it->isEmpty()) continue;
    auto withComment = png::insertJpegComment(bytes, it->toStdString());
    if (!withComment) return withComment.error();
    bytes = std::move(withComment.value());
  }
  return QByteArray(reinterpret_cast<const char*>(bytes.data()),
                    static_cast<qsizetype>(bytes.size()));
}

}  // namespace fd
