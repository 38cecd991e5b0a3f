#include "image_exporter.h"

#include <QBuffer>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QImageReader>
#include <QImageWriter>
#include <QRegularExpression>
#include <QSaveFile>

#include "service/image_files.h"

namespace fd::ui {

namespace {

QString promptWords(const QString& prompt) {
  // Up to six words, letters/digits only, joined by '-': safe on every OS.
  QStringList words;
  for (const QString& w :
       prompt.split(QRegularExpression(QStringLiteral("\\W+")), Qt::SkipEmptyParts)) {
    words << w.toLower();
    if (words.size() == 6) break;
  }
  QString joined = words.join(QLatin1Char('-')).left(60);
  return joined.isEmpty() ? QStringLiteral("image") : joined;
}

QString sanitize(QString name) {
  static const QRegularExpression bad(QStringLiteral("[\\\\/:*?\"<>|\\x00-\\x1f]"));
  name.replace(bad, QStringLiteral("_"));
  name = name.trimmed();
  return name.isEmpty() ? QStringLiteral("image") : name;
}

QString uniquePath(const QDir& dir, const QString& base, const QString& ext) {
  QString candidate = dir.filePath(base + QLatin1Char('.') + ext);
  for (int n = 2; QFileInfo::exists(candidate); ++n)
    candidate = dir.filePath(QStringLiteral("%1 (%2).%3").arg(base).arg(n).arg(ext));
  return candidate;
}

// The pixels alone: an image read from the library carries its PNG texts,
// which Qt's writers would add again (folded onto one line).
QImage withoutText(const QImage& image) {
  QImage rgb = image.convertToFormat(QImage::Format_RGB888);
  return QImage(rgb.constBits(), rgb.width(), rgb.height(), rgb.bytesPerLine(),
                QImage::Format_RGB888)
      .copy();
}

// Pixels through Qt (any quality), then the comments: the JSON first, then
// the A1111 parameters.
Result<QByteArray> encodeJpegWithComments(const QImage& image, int quality,
                                          const ExportItem& item) {
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  QImageWriter writer(&buffer, "jpeg");
  writer.setQuality(quality);
  if (!writer.write(withoutText(image)))
    return makeError(ErrorKind::Io, writer.errorString().toStdString());
  return withJpegComments(bytes, {item.settingsJson, item.parametersText});
}

Result<QByteArray> encodeForExport(const QImage& image, const QString& format, int quality,
                                   const ExportItem& item) {
  if (format == QStringLiteral("jpeg")) return encodeJpegWithComments(image, quality, item);
  QImage out = withoutText(image);
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  QImageWriter writer(&buffer, format.toLatin1());
  if (format == QStringLiteral("png")) {
    // QImage::setText, not QImageWriter::setText: the writer's texts lose
    // their line breaks.
    if (!item.parametersText.isEmpty())
      out.setText(QStringLiteral("parameters"), item.parametersText);
    if (!item.settingsJson.isEmpty()) out.setText(QStringLiteral("fluxdesk"), item.settingsJson);
  } else {
    writer.setQuality(quality);
  }
  if (!writer.write(out)) return makeError(ErrorKind::Io, writer.errorString().toStdString());
  return bytes;
}

}  // namespace

ExportItem exportItemForRecord(const ImageRecord& record) {
  ExportItem item;
  item.sourcePath = record.filePath;
  item.prompt = record.prompt;
  item.seed = record.seed;
  item.created = record.created.toLocalTime();
  // Exact texts (QImageReader::text() folds their line breaks).
  const QMap<QString, QString> texts = readImageTexts(record.filePath);
  item.parametersText = texts.value(QStringLiteral("parameters"));
  item.settingsJson = texts.value(QStringLiteral("fluxdesk"));
  return item;
}

QStringList availableExportFormats() {
  QStringList formats{QStringLiteral("png"), QStringLiteral("jpeg")};
  if (QImageWriter::supportedImageFormats().contains("webp")) formats << QStringLiteral("webp");
  return formats;
}

QString expandFileNamePattern(const QString& pattern, const ExportItem& item, int index, int width,
                              int height) {
  QString name = pattern;
  QDateTime when = item.created.isValid() ? item.created : QDateTime::currentDateTime();
  name.replace(QStringLiteral("{date}"), when.toString(QStringLiteral("yyyyMMdd")));
  name.replace(QStringLiteral("{time}"), when.toString(QStringLiteral("HHmmss")));
  name.replace(QStringLiteral("{seed}"), QString::number(item.seed));
  name.replace(QStringLiteral("{prompt}"), promptWords(item.prompt));
  name.replace(QStringLiteral("{width}"), QString::number(width));
  name.replace(QStringLiteral("{height}"), QString::number(height));
  name.replace(QStringLiteral("{index}"), QString::number(index));
  return sanitize(name);
}

ExportReport exportImages(const QList<ExportItem>& items, const ExportOptions& options) {
  ExportReport report;
  QDir dir(options.folder);
  if (!dir.exists() && !QDir().mkpath(options.folder)) {
    report.errors << QObject::tr("Cannot create the folder %1.").arg(options.folder);
    return report;
  }
  const QString format = options.format.toLower() == QStringLiteral("jpg")
                             ? QStringLiteral("jpeg")
                             : options.format.toLower();
  if (!availableExportFormats().contains(format)) {
    report.errors << QObject::tr("The format %1 is not available in this Qt build.").arg(format);
    return report;
  }
  const QString ext = format == QStringLiteral("jpeg") ? QStringLiteral("jpg") : format;
  int index = 0;
  for (const ExportItem& item : items) {
    ++index;
    QImageReader reader(item.sourcePath);
    QImage image = reader.read();
    if (image.isNull()) {
      report.errors
          << QObject::tr("%1: cannot read (%2).").arg(item.sourcePath, reader.errorString());
      continue;
    }
    QString base =
        expandFileNamePattern(options.pattern, item, index, image.width(), image.height());
    QString target = uniquePath(dir, base, ext);
    auto encoded = encodeForExport(image, format, options.quality, item);
    if (!encoded) {
      report.errors << QObject::tr("%1: %2").arg(target,
                                                 QString::fromStdString(encoded.error().message));
      continue;
    }
    // QSaveFile: written to a temporary file and renamed, so a full disk
    // never leaves a half-written export behind.
    QSaveFile file(target);
    if (!file.open(QIODevice::WriteOnly) || file.write(encoded.value()) != encoded.value().size() ||
        !file.commit()) {
      report.errors << QObject::tr("%1: %2").arg(target, file.errorString());
      continue;
    }
    report.written << target;
  }
  return report;
}

}  // namespace fd::ui
