#pragma once
// The real engine: an fd::Pipeline loaded lazily on the job queue's worker
// thread (the GUI never waits for weights), and loaded again after
// configure() changes the model or the engine options.

#include <memory>
#include <mutex>
#include <optional>

#include "service/image_engine.h"

namespace fd {

class PipelineEngine : public ImageEngine {
 public:
  PipelineEngine(ModelLocation location, EngineOptions options);
  ~PipelineEngine() override;

  // Any thread. Takes effect at the next prepare() or generate(); the old
  // model is released first so two never sit in memory together.
  void configure(ModelLocation location, EngineOptions options);
  ModelLocation location() const;
  EngineOptions options() const;

  Result<GenerationResult> generate(const GenerationRequest& request,
                                    const ProgressCallback& progress,
                                    const CancelCheck& cancel) override;
  // Before loading: validateRequest against the provisional info;
  // after: with the model's own step limit (the pipeline checks again).
  Status validate(const GenerationRequest& request) const override;
  ModelInfo info() const override;
  Status prepare(const ProgressCallback& progress) override;
  bool isReady() const override;

  // What info() says before loading: the folder's name, FLUX.1-schnell
  // defaults, and a generous step limit (the pipeline has the last word).
  static ModelInfo provisionalInfo(const ModelLocation& location);

 private:
  Status ensureLoaded(const ProgressCallback& progress);  // worker thread

  // Everything a load depends on: a pipeline loaded with other settings
  // than the current ones is stale.
  struct LoadSettings {
    ModelLocation location;
    EngineOptions options;
    bool operator==(const LoadSettings& o) const {
      return location == o.location && options == o.options;
    }
    bool operator!=(const LoadSettings& o) const { return !(*this == o); }
  };

  mutable std::mutex mutex_;  // guards everything below but pipeline_
  LoadSettings settings_;
  bool stale_ = true;                   // configure() since the last load
  std::optional<ModelInfo> info_;       // set once loaded
  std::unique_ptr<Pipeline> pipeline_;  // worker thread only
};

}  // namespace fd
