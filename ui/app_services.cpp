#include "app_services.h"

#include <QDir>
#include <QFileInfo>

#include "pipeline/demo_model.h"
#include "service/api_server.h"
#include "service/image_library.h"
#include "service/job_queue.h"
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
}

ModelLocation AppServices::locationFor(const QString& modelFolder) const {
  ModelLocation location;
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
  engine_ = std::make_shared<PipelineEngine>(locationFor(paths_.modelFolder), options_);
  queue_ = std::make_unique<JobQueue>(engine_, library_.get());
  server_ = std::make_unique<ApiServer>(queue_.get());
  return Status::success();
}

void AppServices::reconfigure(const QString& modelFolder, const EngineOptions& options) {
  paths_.modelFolder = modelFolder;
  options_ = options;
  if (usingDemoModel() && !QFileInfo::exists(QDir(paths_.demoModelFolder).filePath("model_index.json")))
    (void)writeDemoModel(paths_.demoModelFolder.toStdString());
  if (engine_) engine_->configure(locationFor(modelFolder), options);
}

}  // namespace fd::ui
