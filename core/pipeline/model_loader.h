#pragma once
// Builds every component of a model folder the same way, real weights and
// the demo alike: discover files -> Checkpoint -> canonical names ->
// architecture from shapes (+ config.json) -> construct -> strict load in
// the chosen dtype on the chosen device. Engine-internal (torch).

#include <optional>
#include <string>
#include <vector>

#include "models/autoencoder.h"
#include "models/clip_text_model.h"
#include "models/flux_model.h"
#include "models/t5_encoder.h"
#include "pipeline/device_selection.h"
#include "pipeline/pipeline.h"
#include "text/clip_tokenizer.h"
#include "text/t5_tokenizer.h"
#include "weights/checkpoint.h"
#include "weights/model_card.h"
#include "weights/model_files.h"

namespace fd {

struct LoadedModels {
  ModelFiles files;
  std::optional<ModelCard> card;  // from model_index.json, when the folder has one
  FluxModel flux{nullptr};
  AutoEncoder autoencoder{nullptr};
  ClipTextModel clip{nullptr};
  T5Encoder t5{nullptr};
  std::optional<ClipTokenizer> clipTokenizer;
  std::optional<T5Tokenizer> t5Tokenizer;
  std::vector<ComponentReport> reports;  // transformer, autoencoder, clip, t5
  // The files of the text encoders and the transformer: on the CPU their
  // weights are (mostly) views of these mappings (see loadModuleWeights).
  std::vector<Checkpoint> textCheckpoints;
  std::vector<Checkpoint> transformerCheckpoints;
  // Return mapped pages to the system (read again from the page cache or
  // the disk when next used): offload-text on the CPU holds either the text
  // encoders or the transformer in memory, not both.
  void releaseTextEncoderPages() const {
    for (const auto& checkpoint : textCheckpoints) checkpoint.releasePages();
  }
  void releaseTransformerPages() const {
    for (const auto& checkpoint : transformerCheckpoints) checkpoint.releasePages();
  }
};

// `placement`'s memory mode is resolved here (resolveMemoryMode, from
// `memory` and the files' sizes). Errors: ModelMissing (files absent, listed
// per component), ModelInvalid (malformed files, wrong keys or shapes, parts
// that do not fit together), OutOfMemory (with memory-mode advice), Internal.
Result<LoadedModels> loadModels(const ModelLocation& location, Placement& placement,
                                MemoryMode memory, const ProgressCallback& progress);

}  // namespace fd
