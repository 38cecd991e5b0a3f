#include "service/image_record.h"

#include <QDir>
#include <QFileInfo>
#include <nlohmann/json.hpp>

namespace fd {

namespace {

constexpr const char* kSidecarFormat = "fluxdesk-library/1";

QString fromUtf8(const std::string& text) {
  return QString::fromUtf8(text.data(), int(text.size()));
}

// A name from a sidecar must be a file beside it: one with a separator
// could point anywhere (and remove() deletes it).
bool isPlainFileName(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos &&
         name.find('\\') == std::string::npos && name != "." && name != "..";
}

QDateTime parseCreated(const std::string& iso) {
  QDateTime created = QDateTime::fromString(fromUtf8(iso), Qt::ISODateWithMs);
  if (!created.isValid()) created = QDateTime::fromString(fromUtf8(iso), Qt::ISODate);
  return created.toUTC();
}

}  // namespace

QString inputFileNameFor(const QString& id) { return id + QStringLiteral(".input.png"); }
QString maskFileNameFor(const QString& id) { return id + QStringLiteral(".mask.png"); }
bool isCompanionFileName(const QString& name) {
  return name.endsWith(QLatin1String(".input.png")) || name.endsWith(QLatin1String(".mask.png"));
}

std::vector<RecordLora> recordLoras(const std::vector<LoraSpec>& loras) {
  std::vector<RecordLora> out;
  for (const LoraSpec& lora : loras) {
    const QString path = fromUtf8(lora.path);
    out.push_back({QFileInfo(path).completeBaseName(), path, lora.scale});
  }
  return out;
}

bool recordCreatedBefore(const ImageRecord& a, const ImageRecord& b) {
  if (a.created != b.created) return a.created < b.created;
  return a.id < b.id;
}

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
  record.strength = settings.strength;
  record.inputName = fromUtf8(settings.sourceImage);
  record.inpaint = settings.inpaint;
  for (const auto& [name, scale] : settings.loras)
    record.loras.push_back({fromUtf8(name), QString(), scale});
  return record;
}

std::string recordSidecarJson(const ImageSettings& settings, const QString& id,
                              const QString& pngFileName, const QString& source,
                              const SidecarExtras& extras) {
  nlohmann::json sidecar;
  sidecar["format"] = kSidecarFormat;
  sidecar["id"] = id.toStdString();
  sidecar["file"] = pngFileName.toStdString();
  sidecar["source"] = source.toStdString();
  // Nest settingsToJson's object (parsed back; never throws: a failure
  // gives "" and the caller keeps the PNG alone, which has the settings too).
  nlohmann::json nested =
      nlohmann::json::parse(settingsToJson(settings), nullptr, /*allow_exceptions=*/false);
  if (nested.is_discarded()) return "";
  sidecar["settings"] = std::move(nested);
  if (!extras.inputFile.isEmpty()) sidecar["input_file"] = extras.inputFile.toStdString();
  if (!extras.maskFile.isEmpty()) sidecar["mask_file"] = extras.maskFile.toStdString();
  if (!extras.loras.empty()) {
    nlohmann::json loras = nlohmann::json::array();
    for (const LoraSpec& lora : extras.loras)
      loras.push_back({{"path", lora.path}, {"scale", lora.scale}});
    sidecar["lora_files"] = std::move(loras);
  }
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
    return makeError(ErrorKind::BadRequest,
                     "field 'format' is not '" + std::string(kSidecarFormat) + "'");
  }
  auto id = text("id");
  auto file = text("file");
  if (!id || id->empty()) return makeError(ErrorKind::BadRequest, "field 'id' is missing");
  // The PNG must sit beside its sidecar: a name with a separator could
  // point anywhere (and remove() deletes it).
  if (!file || !isPlainFileName(*file)) {
    return makeError(ErrorKind::BadRequest, "field 'file' is missing or not a plain file name");
  }
  auto settingsIt = sidecar.find("settings");
  if (settingsIt == sidecar.end() || !settingsIt->is_object()) {
    return makeError(ErrorKind::BadRequest, "field 'settings' is missing");
  }
  Result<ImageSettings> settings = settingsFromJson(settingsIt->dump());
  if (!settings) return makeError(ErrorKind::BadRequest, "settings: " + settings.error().message);
  QString source = fromUtf8(text("source").value_or("unknown"));
  ImageRecord record = recordFromSettings(settings.value(), fromUtf8(*id),
                                          QDir(folder).absoluteFilePath(fromUtf8(*file)), source);
  // The extras are optional (older sidecars have none): a malformed one is
  // dropped, the image is still listed.
  auto companion = [&](const char* key) {
    auto name = text(key);
    return name && isPlainFileName(*name) ? QDir(folder).absoluteFilePath(fromUtf8(*name))
                                          : QString();
  };
  record.inputPath = companion("input_file");
  record.maskPath = companion("mask_file");
  auto loras = sidecar.find("lora_files");
  if (loras != sidecar.end() && loras->is_array()) {
    std::vector<LoraSpec> specs;
    for (const auto& entry : *loras) {
      if (!entry.is_object() || !entry.contains("path") || !entry["path"].is_string()) continue;
      const auto scale = entry.find("scale");
      specs.push_back({entry["path"].get<std::string>(),
                       scale != entry.end() && scale->is_number() ? scale->get<double>() : 1.0});
    }
    if (!specs.empty()) record.loras = recordLoras(specs);
  }
  return record;
}

}  // namespace fd
