#include "app_services.h"

#include <QGuiApplication>

#include "service/api_server.h"
#include "service/image_library.h"
#include "service/job_queue.h"
#include "service/model_choice.h"
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

ModelLocation AppServices::resolveLocation() {
  modelProblem_.reset();
  // A few file checks in the hub cache, or writing the tiny demo model on
  // the first run: quick enough for the GUI thread.
  Result<ModelLocation> found = resolveModelChoice(
      ModelChoice{paths_.modelFolder, paths_.modelPreset, paths_.demoModelFolder},
      downloads_.get());
  if (found) return found.value();
  modelProblem_ = found.error();
  return {};
}

Status AppServices::init() {
  registerServiceMetaTypes();
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
  ModelLocation location = resolveLocation();
  // Without the demo model (it could not be written) the window has
  // nothing to run: say why instead of opening.
  if (usingDemoModel() && modelProblem_) return *modelProblem_;
  engine_ = std::make_shared<PipelineEngine>(location, options_);
  queue_ = std::make_unique<JobQueue>(engine_, library_.get());
  server_ = std::make_unique<ApiServer>(queue_.get());
  return Status::success();
}

void AppServices::reconfigure(const QString& modelFolder, const EngineOptions& options,
                              const QString& modelPreset) {
  paths_.modelFolder = modelFolder;
  paths_.modelPreset = modelFolder.isEmpty() ? modelPreset : QString();
  options_ = options;
  ModelLocation location = resolveLocation();
  if (engine_) engine_->configure(location, options);
}

}  // namespace fd::ui
