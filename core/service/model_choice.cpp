#include "service/model_choice.h"

#include "demo/demo_model.h"
#include "service/model_downloads.h"

namespace fd {

Result<ModelLocation> resolveModelChoice(const ModelChoice& choice,
                                         const ModelDownloads* downloads) {
  ModelLocation location;
  if (!choice.folder.isEmpty()) {
    location.folder = choice.folder.toStdString();
    return location;
  }
  if (!choice.presetId.isEmpty()) {
    if (!downloads)
      return makeError(ErrorKind::ModelMissing,
                       "the model \"" + choice.presetId.toStdString() + "\" cannot be looked up");
    return downloads->locationOf(choice.presetId);
  }
  if (Status written = ensureDemoModel(choice.demoFolder.toStdString()); !written)
    return written.error();
  location.folder = choice.demoFolder.toStdString();
  return location;
}

ModelFiles scanModelFolder(const QString& folder) {
  ModelLocation location;
  location.folder = folder.toStdString();
  return scanModelFiles(location);
}

}  // namespace fd
