#pragma once
// One image of the library as the gallery and the API see it, and its
// JSON sidecar (one small file per image, beside the PNG).

#include <QDateTime>
#include <QString>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "lora/lora_spec.h"
#include "pipeline/image_metadata.h"

namespace fd {

// A LoRA an image was made with. The image's own settings hold only the
// name; the sidecar also keeps the path, so "reuse settings" can load it.
struct RecordLora {
  QString name;  // file name without extension
  QString path;  // as requested; empty when only the name is known (recovered records)
  double scale = 1.0;
};

struct ImageRecord {
  QString id;        // the file stem, unique in its library
  QString filePath;  // absolute path of the PNG
  QString prompt;
  quint64 seed = 0;
  int width = 0;
  int height = 0;
  int steps = 0;
  std::optional<double> guidance;
  QString model;       // display name, e.g. "FLUX.1-schnell"
  QString modelId;     // API id
  QDateTime created;   // UTC
  double seconds = 0;  // wall time of the request that made it
  QString source;      // "gui", "api", "cli", or "recovered"
  // Image-to-image / inpainting: how much of the input was redrawn, the
  // input's original name, and the copies kept beside the image (absolute
  // paths, empty when none was kept) so the input can be used again.
  std::optional<double> strength;
  QString inputName;
  QString inputPath;  // <id>.input.png
  QString maskPath;   // <id>.mask.png, white = repaint (what --mask reads)
  bool inpaint = false;
  std::vector<RecordLora> loras;
};

// LoRA specs as records list them (the name is the file's, without extension).
std::vector<RecordLora> recordLoras(const std::vector<LoraSpec>& loras);

// The files kept beside image `id` when it was made from an input picture.
QString inputFileNameFor(const QString& id);  // "<id>.input.png"
QString maskFileNameFor(const QString& id);   // "<id>.mask.png"
// Whether a file of the library folder is such a companion (not an image).
bool isCompanionFileName(const QString& name);

// What the sidecar holds beyond the settings: the companions' names
// (plain names beside the sidecar, empty when absent) and LoRA paths.
struct SidecarExtras {
  QString inputFile;
  QString maskFile;
  std::vector<LoraSpec> loras;
};

// The library's order: by creation time, then id (ids are unique).
bool recordCreatedBefore(const ImageRecord& a, const ImageRecord& b);

// The sidecar text: {"format": "fluxdesk-library/1", "id", "file" (PNG
// name, relative to the sidecar), "source", "settings": {settingsToJson}},
// plus "input_file", "mask_file" and "lora_files" ([{"path", "scale"}])
// when `extras` has them. "" if the settings cannot be written as JSON
// (never throws).
std::string recordSidecarJson(const ImageSettings& settings, const QString& id,
                              const QString& pngFileName, const QString& source,
                              const SidecarExtras& extras = {});

// Parses a sidecar. `folder` makes filePath (and the companions' paths) absolute. BadRequest naming
// the field when it is malformed (callers log it and skip the image).
Result<ImageRecord> recordFromSidecarJson(const std::string& json, const QString& folder);

// A record from the settings kept in the PNG itself (recovery when the
// sidecar is missing or corrupt).
ImageRecord recordFromSettings(const ImageSettings& settings, const QString& id,
                               const QString& pngPath, const QString& source);

}  // namespace fd
