#pragma once
// Owns the service objects the window works with: the image library, the
// engine (the configured FLUX folder, a downloaded preset, or the built-in
// demo model), the job queue, the API server and the model downloads (which
// go on while the Models window is closed). No widgets here, so tests can
// build the window around services pointed at temporary folders.

#include <QObject>
#include <QString>
#include <memory>
#include <optional>

#include "common/result.h"
#include "pipeline/pipeline.h"

namespace fd {
class ApiServer;
class ImageLibrary;
class JobQueue;
class ModelDownloads;
class PipelineEngine;
}  // namespace fd

namespace fd::ui {

class AppSettings;

struct ServicePaths {
  QString libraryFolder;    // where images are kept
  QString modelFolder;      // empty: modelPreset, or the demo model
  QString modelPreset;      // a downloaded preset's id (used when modelFolder is empty)
  QString demoModelFolder;  // where the demo model is written when needed
};

class AppServices : public QObject {
  Q_OBJECT
 public:
  AppServices(const ServicePaths& paths, const EngineOptions& options, QObject* parent = nullptr);
  ~AppServices() override;

  // Creates the library folder and, when no model is set, writes the demo
  // model (first run only). Errors name the folder.
  Status init();

  ImageLibrary* library() const { return library_.get(); }
  JobQueue* queue() const { return queue_.get(); }
  ApiServer* server() const { return server_.get(); }
  ModelDownloads* downloads() const { return downloads_.get(); }
  bool usingDemoModel() const {
    return paths_.modelFolder.isEmpty() && paths_.modelPreset.isEmpty();
  }
  const ServicePaths& paths() const { return paths_; }
  // Why the configured preset cannot be used (not downloaded, files gone,
  // unknown id); the engine then has no model and fails with ModelMissing.
  const std::optional<Error>& modelProblem() const { return modelProblem_; }

  // Points the engine at another model folder (or, with an empty folder, a
  // downloaded preset, else the demo model) or options (the old model is
  // released; the next job loads the new one).
  void reconfigure(const QString& modelFolder, const EngineOptions& options,
                   const QString& modelPreset = {});

 private:
  // Where the configured model is; on failure, empty with modelProblem_ set.
  ModelLocation resolveLocation();

  ServicePaths paths_;
  EngineOptions options_;
  std::unique_ptr<ImageLibrary> library_;
  std::shared_ptr<PipelineEngine> engine_;
  std::unique_ptr<JobQueue> queue_;
  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<ModelDownloads> downloads_;
  std::optional<Error> modelProblem_;
};

}  // namespace fd::ui
