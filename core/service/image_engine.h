#pragma once
// What the job queue needs from an engine. PipelineEngine (the real one)
// wraps fd::Pipeline; tests use a fake. generate() and prepare() are only
// ever called on the queue's single worker thread; validate() and info()
// may be called from any thread and must not wait for a model to load.

#include "common/result.h"
#include "pipeline/pipeline.h"
#include "pipeline/request_validation.h"  // validateRequest: the one set of rules every engine applies

namespace fd {

class ImageEngine {
 public:
  virtual ~ImageEngine();

  virtual Result<GenerationResult> generate(const GenerationRequest& request,
                                            const ProgressCallback& progress,
                                            const CancelCheck& cancel) = 0;
  virtual Status validate(const GenerationRequest& request) const = 0;
  // The model as loaded, or what is known before loading (isReady() false).
  virtual ModelInfo info() const = 0;

  // Loads whatever generate() needs, so that the first job starts at once
  // (worker thread). The default has nothing to load.
  virtual Status prepare(const ProgressCallback& progress);
  // True when info() describes a loaded model.
  virtual bool isReady() const;
};

}  // namespace fd
