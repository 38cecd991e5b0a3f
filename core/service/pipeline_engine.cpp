#include "service/pipeline_engine.h"

#include <exception>
#include <filesystem>

namespace fd {

PipelineEngine::PipelineEngine(ModelLocation location, EngineOptions options)
    : settings_{std::move(location), options} {}

PipelineEngine::~PipelineEngine() = default;

void PipelineEngine::configure(ModelLocation location, EngineOptions options) {
  std::lock_guard<std::mutex> lock(mutex_);
  settings_ = {std::move(location), options};
  stale_ = true;
  info_.reset();
}

ModelLocation PipelineEngine::location() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return settings_.location;
}

EngineOptions PipelineEngine::options() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return settings_.options;
}

ModelInfo PipelineEngine::provisionalInfo(const ModelLocation& location) {
  ModelInfo info;
  std::string folder = location.folder.empty() ? location.transformerFile : location.folder;
  std::filesystem::path path(folder);
  if (!path.has_filename()) path = path.parent_path();  // "dir/" -> "dir"
  info.name = path.filename().string();
  if (info.name.empty()) info.name = "model";
  info.defaultSteps = 4;
  info.maxSteps = 50;  // a dev model takes many; the loaded pipeline knows
  return info;
}

ModelInfo PipelineEngine::info() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return info_ ? *info_ : provisionalInfo(settings_.location);
}

bool PipelineEngine::isReady() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return info_.has_value();
}

Status PipelineEngine::validate(const GenerationRequest& request) const {
  return validateRequest(request, info());
}

Status PipelineEngine::ensureLoaded(const ProgressCallback& progress) {
  LoadSettings wanted;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stale_ && pipeline_) return Status::success();
    wanted = settings_;
  }
  pipeline_.reset();  // free the old model before loading the new one
  Result<std::unique_ptr<Pipeline>> loaded =
      Pipeline::load(wanted.location, wanted.options, progress);
  if (!loaded) return loaded.error();
  std::unique_ptr<Pipeline> pipeline = std::move(loaded).value();
  std::lock_guard<std::mutex> lock(mutex_);
  // configure() may have been called while loading: keep this model for
  // the job at hand, but load again next time.
  const bool changed = wanted != settings_;
  stale_ = changed;
  if (!changed) info_ = pipeline->info();
  pipeline_ = std::move(pipeline);
  return Status::success();
}

Status PipelineEngine::prepare(const ProgressCallback& progress) {
  try {
    return ensureLoaded(progress);
  } catch (const std::exception& e) {
    return makeError(ErrorKind::Internal, std::string("loading the model failed: ") + e.what());
  }
}

Result<GenerationResult> PipelineEngine::generate(const GenerationRequest& request,
                                                  const ProgressCallback& progress,
                                                  const CancelCheck& cancel) {
  try {
    if (Status loaded = ensureLoaded(progress); !loaded) return loaded.error();
    if (cancel && cancel()) return makeError(ErrorKind::Cancelled, "cancelled");
    return pipeline_->generate(request, progress, cancel);
  } catch (const std::exception& e) {
    // The pipeline returns errors as values; this is a last line of defence.
    return makeError(ErrorKind::Internal, std::string("the engine failed: ") + e.what());
  }
}

}  // namespace fd
