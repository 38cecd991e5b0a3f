#include "service/image_record.h"

#include <QDir>
#include <nlohmann/json.hpp>

namespace fd {

namespace {

constexpr const char* kSidecarFormat = "fluxdesk-library/1";

QString fromUtf8(const std::string& text) { return QString::fromUtf8(text.data(), int(text.size())); }

QDateTime parseCreated(const std::string& iso) {
  QDateTime created = QDateTime::fromString(fromUtf8(iso), Qt::ISODateWithMs);
  if (!created.isValid()) created = QDateTime::fromString(fromUtf8(iso), Qt::ISODate);
  return created.toUTC();
}

}  // namespace

ImageRecord recordFromSettings(const ImageSettings& settings, const QString& id,
                               const QString& pngPath, const QString& source) {
  ImageRecord record;
  record.id = id;
  record.filePath = pngPath;
  record.prompt = fromUtf8(settings.prompt);
  record.seed = settings.seed;
  record.width = settings.width;
  record.height = settings.height;
  record.steps = settings.steps;
  record.guidance = settings.guidance;
  record.model = fromUtf8(settings.model);
  record.modelId = fromUtf8(settings.modelId);
  record.created = parseCreated(settings.createdAt);
  record.seconds = settings.seconds;
  record.source = source;
  return record;
}

std::string recordSidecarJson(const ImageSettings& settings, const QString& id,
                              const QString& pngFileName, const QString& source) {
  nlohmann::json sidecar;
  sidecar["format"] = kSidecarFormat;
  sidecar["id"] = id.toStdString();
  sidecar["file"] = pngFileName.toStdString();
  sidecar["source"] = source.toStdString();
  // Nest settingsToJson's object (parsed back; never throws: a failure
  // gives "" and the caller keeps the PNG alone, which has the settings too).
  nlohmann::json nested = nlohmann::json::parse(settingsToJson(settings), nullptr, /*allow_exceptions=*/false);
  if (nested.is_discarded()) return "";
  sidecar["settings"] = std::move(nested);
  return sidecar.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<ImageRecord> recordFromSidecarJson(const std::string& json, const QString& folder) {
  nlohmann::json sidecar = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (sidecar.is_discarded() || !sidecar.is_object()) {
    return makeError(ErrorKind::BadRequest, "the sidecar is not a JSON object");
  }
  auto text = [&](const char* key) -> std::optional<std::string> {
    auto it = sidecar.find(key);
    if (it == sidecar.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  if (text("format") != std::string(kSidecarFormat)) {
    return makeError(ErrorKind::BadRequest, "field 'format' is not '" + std::string(kSidecarFormat) + "'");
  }
  auto id = text("id");
  auto file = text("file");
  if (!id || id->empty()) return makeError(ErrorKind::BadRequest, "field 'id' is missing");
  // The PNG must sit beside its sidecar: a name with a separator could
  // point anywhere (and remove() deletes it).
  if (!file || file->empty() || file->find('/') != std::string::npos ||
      file->find('\\') != std::string::npos || *file == "." || *file == "..") {
    return makeError(ErrorKind::BadRequest, "field 'file' is missing or not a plain file name");
  }
  auto settingsIt = sidecar.find("settings");
  if (settingsIt == sidecar.end() || !settingsIt->is_object()) {
    return makeError(ErrorKind::BadRequest, "field 'settings' is missing");
  }
  Result<ImageSettings> settings = settingsFromJson(settingsIt->dump());
  if (!settings) return makeError(ErrorKind::BadRequest, "settings: " + settings.error().message);
  QString source = fromUtf8(text("source").value_or("unknown"));
  return recordFromSettings(settings.value(), fromUtf8(*id),
                            QDir(folder).absoluteFilePath(fromUtf8(*file)), source);
}

}  // namespace fd
