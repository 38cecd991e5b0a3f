#pragma once
// Exports gallery images to a folder as PNG, JPEG (with quality) or WebP
// (when Qt has the plugin), named by a pattern. Metadata travels along:
// PNG text chunks; in a JPEG, two comments (the settings JSON first, as
// FluxDesk's own JPEGs have it, then the A1111-style parameters). WebP
// carries none. Existing files are never overwritten: a " (2)", " (3)"...
// suffix is added instead.

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include "service/image_record.h"

namespace fd::ui {

struct ExportItem {
  QString sourcePath;  // the PNG in the library
  QString prompt;
  quint64 seed = 0;
  QDateTime created;
  QString parametersText;  // A1111-style "parameters" text
  QString settingsJson;    // FluxDesk's remake-the-image JSON
};

struct ExportOptions {
  QString folder;
  QString format = QStringLiteral("png");  // png, jpeg, webp
  int quality = 92;                        // jpeg/webp
  QString pattern = QStringLiteral("{date}-{seed}-{prompt}");
};

struct ExportReport {
  QStringList written;
  QStringList errors;  // one line per failed image, naming the file and why
};

// The item for a library image; its settings texts are read exactly
// from the PNG's own text chunks (empty when it has none).
ExportItem exportItemForRecord(const ImageRecord& record);

QStringList availableExportFormats();  // "png", "jpeg", and "webp" when supported
// Pattern tokens: {date} yyyyMMdd, {time} HHmmss, {seed}, {prompt} (first
// words, file-name safe), {width}, {height}, {index} (1-based in the batch).
QString expandFileNamePattern(const QString& pattern, const ExportItem& item, int index, int width,
                              int height);
ExportReport exportImages(const QList<ExportItem>& items, const ExportOptions& options);

}  // namespace fd::ui
