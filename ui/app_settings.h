#pragma once
// Typed access to the persistent settings (QSettings, organisation
// "FluxDesk"). Defaults live here and nowhere else.

#include <QSettings>
#include <QString>

#include "pipeline/pipeline.h"

namespace fd::ui {

class AppSettings {
 public:
  AppSettings();

  // The model: a folder, or a downloaded preset (hub/model_presets.h) by
  // id; both empty: the built-in demo model. Setting one clears the other
  // (a folder only when it differs from the one stored, so saving the
  // Settings dialog unchanged keeps the preset).
  QString modelFolder() const;
  void setModelFolder(const QString& folder);
  QString modelPreset() const;
  void setModelPreset(const QString& id);
  // The Hugging Face token saved in the Models window (HF_TOKEN and the
  // hub's token file come first: see hub/hub_config.h). Stored like the API key.
  QString hubToken() const;
  void setHubToken(const QString& token);
  EngineOptions engineOptions() const;
  void setEngineOptions(const EngineOptions& options);

  QString libraryFolder() const;  // default: Pictures/FluxDesk
  void setLibraryFolder(const QString& folder);
  QString demoModelFolder() const;  // where the demo model is written (app data)
  QString loraFolder()
      const;  // the LoRA picker lists its *.safetensors; empty: none (files are chosen one by one)
  void setLoraFolder(const QString& folder);

  int serverPort() const;
  void setServerPort(int port);
  QString serverToken() const;  // empty: no key required
  void setServerToken(const QString& token);
  QString allowedOrigins() const;  // comma separated; empty: no CORS
  void setAllowedOrigins(const QString& origins);

  QString exportFolder() const;
  void setExportFolder(const QString& folder);
  QString exportFormat() const;
  void setExportFormat(const QString& format);
  int exportQuality() const;
  void setExportQuality(int quality);
  QString exportPattern() const;
  void setExportPattern(const QString& pattern);

  QByteArray windowGeometry() const;
  void setWindowGeometry(const QByteArray& geometry);
  QByteArray windowState() const;
  void setWindowState(const QByteArray& state);

  void sync() { settings_.sync(); }

 private:
  mutable QSettings settings_;
};

}  // namespace fd::ui
