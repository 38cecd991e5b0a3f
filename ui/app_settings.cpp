#include "app_settings.h"

#include <QDir>
#include <QStandardPaths>

namespace fd::ui {

namespace {
const char* deviceName(DevicePreference d) {
  switch (d) {
    case DevicePreference::Cpu: return "cpu";
    case DevicePreference::Cuda: return "cuda";
    default: return "auto";
  }
}
const char* dtypeName(DtypePreference d) {
  switch (d) {
    case DtypePreference::Float32: return "float32";
    case DtypePreference::BFloat16: return "bfloat16";
    case DtypePreference::Float16: return "float16";
    default: return "auto";
  }
}
}  // namespace

AppSettings::AppSettings() : settings_(QStringLiteral("FluxDesk"), QStringLiteral("FluxDesk")) {}

QString AppSettings::modelFolder() const { return settings_.value("model/folder").toString(); }
void AppSettings::setModelFolder(const QString& folder) {
  if (folder != modelFolder())
    settings_.remove("model/preset");  // a folder chosen replaces a preset
  settings_.setValue("model/folder", folder);
}
QString AppSettings::modelPreset() const { return settings_.value("model/preset").toString(); }
void AppSettings::setModelPreset(const QString& id) {
  settings_.setValue("model/preset", id);
  if (!id.isEmpty()) settings_.setValue("model/folder", QString());
}
QString AppSettings::hubToken() const { return settings_.value("hub/token").toString(); }
void AppSettings::setHubToken(const QString& token) { settings_.setValue("hub/token", token); }

EngineOptions AppSettings::engineOptions() const {
  EngineOptions o;
  o.device =
      devicePreferenceFromName(settings_.value("engine/device", "auto").toString().toStdString())
          .value_or(DevicePreference::Auto);
  o.dtype =
      dtypePreferenceFromName(settings_.value("engine/dtype", "auto").toString().toStdString())
          .value_or(DtypePreference::Auto);
  o.memory = memoryModeFromName(settings_.value("engine/memory", "auto").toString().toStdString())
                 .value_or(MemoryMode::Auto);
  o.cpuThreads = settings_.value("engine/threads", 0).toInt();
  return o;
}

void AppSettings::setEngineOptions(const EngineOptions& o) {
  settings_.setValue("engine/device", deviceName(o.device));
  settings_.setValue("engine/dtype", dtypeName(o.dtype));
  settings_.setValue("engine/memory", memoryModeName(o.memory));
  settings_.setValue("engine/threads", o.cpuThreads);
}

QString AppSettings::libraryFolder() const {
  QString fallback = QDir(QStandardPaths::writableLocation(QStandardPaths::PicturesLocation))
                         .filePath(QStringLiteral("FluxDesk"));
  return settings_.value("library/folder", fallback).toString();
}
void AppSettings::setLibraryFolder(const QString& folder) {
  settings_.setValue("library/folder", folder);
}

QString AppSettings::demoModelFolder() const {
  return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
      .filePath(QStringLiteral("demo-model"));
}

QString AppSettings::loraFolder() const { return settings_.value("lora/folder").toString(); }
void AppSettings::setLoraFolder(const QString& folder) {
  settings_.setValue("lora/folder", folder);
}

int AppSettings::serverPort() const { return settings_.value("server/port", 8000).toInt(); }
void AppSettings::setServerPort(int port) { settings_.setValue("server/port", port); }
QString AppSettings::serverToken() const { return settings_.value("server/token").toString(); }
void AppSettings::setServerToken(const QString& token) {
  settings_.setValue("server/token", token);
}
QString AppSettings::allowedOrigins() const { return settings_.value("server/origins").toString(); }
void AppSettings::setAllowedOrigins(const QString& o) { settings_.setValue("server/origins", o); }

QString AppSettings::exportFolder() const {
  return settings_
      .value("export/folder", QStandardPaths::writableLocation(QStandardPaths::PicturesLocation))
      .toString();
}
void AppSettings::setExportFolder(const QString& folder) {
  settings_.setValue("export/folder", folder);
}
QString AppSettings::exportFormat() const {
  return settings_.value("export/format", "png").toString();
}
void AppSettings::setExportFormat(const QString& f) { settings_.setValue("export/format", f); }
int AppSettings::exportQuality() const { return settings_.value("export/quality", 92).toInt(); }
void AppSettings::setExportQuality(int q) { settings_.setValue("export/quality", q); }
QString AppSettings::exportPattern() const {
  return settings_.value("export/pattern", "{date}-{seed}-{prompt}").toString();
}
void AppSettings::setExportPattern(const QString& p) { settings_.setValue("export/pattern", p); }

QByteArray AppSettings::windowGeometry() const {
  return settings_.value("window/geometry").toByteArray();
}
void AppSettings::setWindowGeometry(const QByteArray& g) {
  settings_.setValue("window/geometry", g);
}
QByteArray AppSettings::windowState() const {
  return settings_.value("window/state").toByteArray();
}
void AppSettings::setWindowState(const QByteArray& s) { settings_.setValue("window/state", s); }

}  // namespace fd::ui
