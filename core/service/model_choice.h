#pragma once
// Which model the engine runs, as the window's settings choose it: a folder
// the user picked, a downloaded preset, or (neither) the built-in demo model,
// written on first use. Also the quick look at a folder that the settings
// dialog shows while a path is typed. Qt Core only.

#include <QString>

#include "common/result.h"
#include "weights/model_files.h"
#include "weights/model_location.h"

namespace fd {

class ModelDownloads;

struct ModelChoice {
  QString folder;      // a model folder; wins over the preset
  QString presetId;    // a downloaded preset's id (used when folder is empty)
  QString demoFolder;  // where the demo model is kept (used when both are empty)
  bool usesDemo() const { return folder.isEmpty() && presetId.isEmpty(); }
};

// Where the chosen model's files are. For the demo, the demo folder, written
// first unless it holds the current demo model (the first run, an
// interrupted write, or an older FluxDesk's demo). Errors: ModelMissing for
// a preset FluxDesk does not know or has not downloaded (naming it), and the
// demo writer's Io errors (naming the file).
Result<ModelLocation> resolveModelChoice(const ModelChoice& choice,
                                         const ModelDownloads* downloads);

// What FluxDesk finds in `folder`: listings and safetensors headers only,
// quick enough to run a moment after the user stops typing.
ModelFiles scanModelFolder(const QString& folder);

}  // namespace fd
