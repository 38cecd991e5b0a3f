#pragma once
// The models already on this disk, for the GUI's model picker: presets in
// the shared Hugging Face cache (complete or partly downloaded), other
// repositories of the cache in which discovery finds a complete FLUX.1
// model, and ComfyUI installations. Reads headers of candidate weights files
// (discovery), so call it off the UI thread. Torch-free, Qt-free.

#include <cstdint>
#include <string>
#include <vector>

#include "weights/model_location.h"

namespace fd {

struct LocalModel {
  std::string kind;  // "preset", "hub" (another cache repository), "comfyui"
  // for people: "FLUX.1 [schnell] GGUF Q4_K_S", "org/name", "ComfyUI (/opt/ComfyUI)"
  std::string name;
  std::string reference;     // what --model takes: preset id, "org/name[@commit]", the folder
  ModelLocation location;    // where its files are (empty for a preset not fully downloaded)
  uint64_t bytesOnDisk = 0;  // of its files (a blob shared by two entries counts for each)
  bool complete = false;
  std::vector<std::string> missing;  // when incomplete: one line per missing part or component
};

// `comfyRoots`: ComfyUI installation folders (holding models/), or their
// models/ folders. Presets first (table order), then cache repositories
// (by name), then ComfyUI folders (given order). Presets of which nothing is
// downloaded are left out.
std::vector<LocalModel> listLocalModels(const std::string& cacheDir,
                                        const std::vector<std::string>& comfyRoots = {});

}  // namespace fd
