#pragma once
// Owns the service objects the window works with: the image library, the
// engine (the configured FLUX folder, or the built-in demo model), the job
// queue and the API server. No widgets here, so tests can build the window
// around services pointed at temporary folders.

#include <QObject>
#include <QString>
#include <memory>

#include "common/result.h"
#include "pipeline/pipeline.h"

namespace fd {
class ApiServer;
class ImageLibrary;
class JobQueue;
class PipelineEngine;
}  // namespace fd

namespace fd::ui {

class AppSettings;

struct ServicePaths {
  QString libraryFolder;    // where images are kept
  QString modelFolder;      // empty: the demo model
  QString demoModelFolder;  // where the demo model is written when needed
};

class AppServices : public QObject {
  Q_OBJECT
 public:
  AppServices(const ServicePaths& paths, const EngineOptions& options, QObject* parent = nullptr);
  ~AppServices() override;

  // Creates the library folder and, when no model folder is set, writes
  // the demo model (first run only). Errors name the folder.
  Status init();

  ImageLibrary* library() const { return library_.get(); }
  JobQueue* queue() const { return queue_.get(); }
  ApiServer* server() const { return server_.get(); }
  bool usingDemoModel() const { return paths_.modelFolder.isEmpty(); }
  const ServicePaths& paths() const { return paths_; }

  // Points the engine at another model folder or options (the old model is
  // released; the next job loads the new one).
  void reconfigure(const QString& modelFolder, const EngineOptions& options);

 private:
  ModelLocation locationFor(const QString& modelFolder) const;

  ServicePaths paths_;
  EngineOptions options_;
  std::unique_ptr<ImageLibrary> library_;
  std::shared_ptr<PipelineEngine> engine_;
  std::unique_ptr<JobQueue> queue_;
  std::unique_ptr<ApiServer> server_;
};

}  // namespace fd::ui
