#pragma once
// One image of the library as the gallery and the API see it, and its
// JSON sidecar (one small file per image, beside the PNG).

#include <QDateTime>
#include <QString>
#include <optional>
#include <string>

#include "common/result.h"
#include "pipeline/image_metadata.h"

namespace fd {

struct ImageRecord {
  QString id;        // the file stem, unique in its library
  QString filePath;  // absolute path of the PNG
  QString prompt;
  quint64 seed = 0;
  int width = 0;
  int height = 0;
  int steps = 0;
  std::optional<double> guidance;
  QString model;     // display name, e.g. "FLUX.1-schnell"
  QString modelId;   // API id
  QDateTime created; // UTC
  double seconds = 0;  // wall time of the request that made it
  QString source;    // "gui", "api", "cli", or "recovered"
};

// The sidecar text: {"format": "fluxdesk-library/1", "id", "file" (PNG
// name, relative to the sidecar), "source", "settings": {settingsToJson}}.
// "" if the settings cannot be written as JSON (never throws).
std::string recordSidecarJson(const ImageSettings& settings, const QString& id,
                              const QString& pngFileName, const QString& source);

// Parses a sidecar. `folder` makes filePath absolute. BadRequest naming
// the field when it is malformed (callers log it and skip the image).
Result<ImageRecord> recordFromSidecarJson(const std::string& json, const QString& folder);

// A record from the settings kept in the PNG itself (recovery when the
// sidecar is missing or corrupt).
ImageRecord recordFromSettings(const ImageSettings& settings, const QString& id,
                               const QString& pngPath, const QString& source);

}  // namespace fd
