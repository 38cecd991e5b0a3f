#pragma once
// Prompt -> FLUX text conditioning: CLIP's pooled vector and T5's token
// features, with a small cache keyed by the prompt so the same prompt twice
// skips both encoders. In the offloading memory modes the encoders visit the
// compute device only while they encode. Engine-internal (torch).

#include <list>
#include <string>

#include "pipeline/device_selection.h"
#include "pipeline/model_loader.h"
#include "sampling/flux_sampler.h"

namespace fd {

struct EncodedPrompt {
  // txt (1, L_t5, ctx), vec (1, clip hidden), flux dtype, compute device
  TextConditioning conditioning;
  PromptReport report;
  bool cacheHit = false;
};

class TextConditioner {
 public:
  // `models` must outlive this object. t5MaxLength: 256 (schnell), 512 (dev).
  TextConditioner(LoadedModels& models, const Placement& placement, int t5MaxLength,
                  size_t cacheSize = 8);

  // BadRequest for text the tokenizers reject (invalid UTF-8); LibTorch
  // errors propagate as exceptions (the pipeline turns them into values).
  Result<EncodedPrompt> encode(const std::string& prompt);
  void clearCache() { cache_.clear(); }
  size_t cachedPrompts() const { return cache_.size(); }

 private:
  Result<EncodedPrompt> runEncoders(const std::string& prompt);

  LoadedModels& models_;
  Placement placement_;
  int t5MaxLength_;
  size_t cacheSize_;
  std::list<std::pair<std::string, EncodedPrompt>> cache_;  // most recent first
};

}  // namespace fd
