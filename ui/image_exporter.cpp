#include "image_exporter.h"

#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QImageReader>
#include <QImageWriter>
#include <QRegularExpression>
#include <QSaveFile>

namespace fd::ui {

namespace {

QString promptWords(const QString& prompt) {
  // Up to six words, letters/digits only, joined by '-': safe on every OS.
  QStringList words;
  for (const QString& w : prompt.split(QRegularExpression(QStringLiteral("\\W+")), Qt::SkipEmptyParts)) {
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

}  // namespace

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
  const QString format = options.format.toLower() == QStringLiteral("jpg") ? QStringLiteral("jpeg")
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
      report.errors << QObject::tr("%1: cannot read (%2).").arg(item.sourcePath, reader.errorString());
      continue;
    }
    QString base = expandFileNamePattern(options.pattern, item, index, image.width(), image.height());
    QString target = uniquePath(dir, base, ext);
    // QSaveFile: written to a temporary file and renamed, so a full disk
    // never leaves a half-written export behind.
    QSaveFile file(target);
    if (!file.open(QIODevice::WriteOnly)) {
      report.errors << QObject::tr("%1: %2").arg(target, file.errorString());
      continue;
    }
    QImageWriter writer(&file, format.toLatin1());
    if (format != QStringLiteral("png")) writer.setQuality(options.quality);
    if (format == QStringLiteral("png")) {
      if (!item.parametersText.isEmpty()) writer.setText(QStringLiteral("parameters"), item.parametersText);
      if (!item.settingsJson.isEmpty()) writer.setText(QStringLiteral("fluxdesk"), item.settingsJson);
    } else {
      // Qt's JPEG writer stores text as a COM segment.
      writer.setText(QStringLiteral("Description"), item.parametersText);
    }
    if (format == QStringLiteral("jpeg")) image = image.convertToFormat(QImage::Format_RGB888);
    if (!writer.write(image) || !file.commit()) {
      report.errors << QObject::tr("%1: %2").arg(target, writer.error() != QImageWriter::UnknownError
                                                             ? writer.errorString()
                                                             : file.errorString());
      continue;
    }
    report.written << target;
  }
  return report;
}

}  // namespace fd::ui
