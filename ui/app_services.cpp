#include "app_services.h"

#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>

#include "hub/model_presets.h"
#include "pipeline/demo_model.h"
#include "service/api_server.h"
#include "service/image_library.h"
#include "service/job_queue.h"
#include "service/model_downloads.h"
#include "service/pipeline_engine.h"
#include "service/service_metatypes.h"

namespace fd::ui {

AppServices::AppServices(const ServicePaths& paths, const EngineOptions& options, QObject* parent)
    : QObject(parent), paths_(paths), options_(options) {}

AppServices::~AppServices() {
  // Order matters: the server submits to the queue, the queue saves into
  // the library.
  server_.reset();
  queue_.reset();
  library_.reset();
  downloads_.reset();  // pauses a running download (its partial files are continued next time)
}

ModelLocation AppServices::locationFor(const QString& modelFolder, const QString& modelPreset) {
  modelProblem_.reset();
  ModelLocation location;
  if (modelFolder.isEmpty() && !modelPreset.isEmpty()) {
    // A few file checks in the hub cache: quick enough for the GUI thread.
    const ModelPreset* preset = downloads_ ? downloads_->preset(modelPreset) : nullptr;
    if (!preset) {
      modelProblem_ =
          makeError(ErrorKind::ModelMissing, "the model \"" + modelPreset.toStdString() +
                                                 "\" is not one FluxDesk knows; choose "
                                                 "another in the Models window");
      return location;
    }
    Result<ModelLocation> found = presetLocation(*preset, downloads_->cacheDir().toStdString());
    if (found) return found.value();
    modelProblem_ = found.error();
    return location;
  }
  location.folder = (modelFolder.isEmpty() ? paths_.demoModelFolder : modelFolder).toStdString();
  return location;
}

Status AppServices::init() {
  registerServiceMetaTypes();
  if (usingDemoModel()) {
    QDir demo(paths_.demoModelFolder);
    // Written once; the same bytes every time, so a partial earlier write
    // (no model_index.json yet: it is written last) is simply redone.
    if (!QFileInfo::exists(demo.filePath(QStringLiteral("model_index.json")))) {
      Status written = writeDemoModel(paths_.demoModelFolder.toStdString());
      if (!written.ok()) return written;
    }
  }
  library_ = std::make_unique<ImageLibrary>(paths_.libraryFolder);
  if (!library_->openStatus().ok()) return library_->openStatus();
  // The folder watch misses changes made from other machines (network
  // folders) or beyond inotify's limits: coming back to FluxDesk looks again.
  if (qGuiApp) {
    ImageLibrary* library = library_.get();
    connect(qGuiApp, &QGuiApplication::applicationStateChanged, library,
            [library](Qt::ApplicationState state) {
              if (state == Qt::ApplicationActive) library->refresh();
            });
  }
  downloads_ = std::make_unique<ModelDownloads>();
  engine_ = std::make_shared<PipelineEngine>(locationFor(paths_.modelFolder, paths_.modelPreset),
                                             options_);
  queue_ = std::make_unique<JobQueue>(engine_, library_.get());
  server_ = std::make_unique<ApiServer>(queue_.get());
  return Status::success();
}

void AppServices::reconfigure(const QString& modelFolder, const EngineOptions& options,
                              const QString& modelPreset) {
  paths_.modelFolder = modelFolder;
  paths_.modelPreset = modelFolder.isEmpty() ? modelPreset : QString();
  options_ = options;
  if (usingDemoModel() &&
      !QFileInfo::exists(QDir(paths_.demoModelFolder).filePath("model_index.json")))
    (void)writeDemoModel(paths_.demoModelFolder.toStdString());
  if (engine_) engine_->configure(locationFor(paths_.modelFolder, paths_.modelPreset), options);
}

}  // namespace fd::ui
