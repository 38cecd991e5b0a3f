#pragma once
// The models users download, as data: each preset names the repositories
// and the files of one working FLUX.1-schnell layout (never both the single
// file and the diffusers folders of the official repository), its download
// size and the memory it needs, so the app can recommend one for this
// machine. One table (model_presets.cpp); adding a preset is adding a row.
// Torch-free, Qt-free.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "weights/model_location.h"

namespace fd {

struct PresetPart {
  // "transformer", "t5", "clip", "autoencoder", "tokenizers" (ModelLocation fields), "all-in-one"
  // (one file holding transformer, T5, CLIP and autoencoder)
  std::string role;
  std::string repo;  // "org/name"
  std::string revision = "main";
  std::vector<std::string> include;  // fnmatch globs of the files to fetch
  std::string file;    // the repo path ModelLocation points at (file, or folder for tokenizers)
  bool gated = false;  // needs a token of an account that accepted the licence
};

struct ModelPreset {
  std::string id;           // "flux1-schnell-q4_k_s"
  std::string title;        // "FLUX.1 [schnell] GGUF Q4_K_S"
  std::string description;  // one sentence: what it is, who it suits
  std::vector<PresetPart> parts;
  uint64_t downloadBytes = 0;
  uint64_t ramBytes = 0;   // to run on the CPU (peak, memory mode auto)
  uint64_t vramBytes = 0;  // to run on a GPU (resident text encoders offloaded)
  std::string licenceUrl;  // page to accept the licence at (gated parts), or empty
};

const std::vector<ModelPreset>& modelPresets();
const ModelPreset* findPreset(const std::string& id);

// The best preset this machine runs (largest that fits, preferring the GPU
// when one is given), or nullopt when none fits. Bytes: RAM available /
// GPU memory (0: no GPU).
std::optional<std::string> recommendPreset(uint64_t ramBytes, uint64_t gpuBytes);

// Where a downloaded preset's files are in the cache: explicit files per
// component. ModelMissing (naming what is not downloaded yet) otherwise.
Result<ModelLocation> presetLocation(const ModelPreset& preset, const std::string& cacheDir);

// What `--model X` means: an existing folder or file; a preset id; an
// "org/name[@revision]" repository in the hub cache. ModelMissing saying
// what was tried (and `fluxdesk-cli download` to get it) otherwise.
Result<ModelLocation> resolveModelReference(const std::string& reference,
                                            const std::string& cacheDir);

}  // namespace fd
