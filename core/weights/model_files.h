#pragma once
// Model-folder discovery: which files hold each part of FLUX.1, from one
// folder the user picked and/or explicit files (ModelLocation). Knows the
// Hugging Face snapshot layout (model_index.json, transformer/, vae/,
// text_encoder/, text_encoder_2/, tokenizer/, tokenizer_2/, with the BFL
// single files at its root) and folders of single files as ComfyUI and
// stable-diffusion.cpp users keep them (flux1-*.safetensors, ae.safetensors,
// clip_l.safetensors, t5xxl_*.safetensors). Files whose names say nothing
// are recognised by their keys. Only headers are read. Torch-free.

#include <string>
#include <vector>

#include "common/result.h"
#include "weights/model_location.h"

namespace fd {

struct ComponentFiles {
  std::string name;  // transformer, autoencoder, clip, t5, clip_tokenizer, t5_tokenizer
  bool found = false;
  // What Checkpoint::open takes: a .safetensors / .sft file or a
  // .safetensors.index.json; for a tokenizer, the folder holding its files.
  std::string path;
  std::vector<std::string> files;  // every file it reads (shards, vocab.json + merges.txt, ...)
  std::string configPath;          // config.json beside it (diffusers / HF), or empty
  std::string source;  // how it was chosen: "explicit", "hf-snapshot", "single-file", "by keys"
  std::vector<std::string> lookedIn;  // where it was looked for (when not found: every place)
  std::vector<std::string> notes;     // what was found instead, problems with candidates
};

struct ModelFiles {
  std::string layout;  // "hf-snapshot", "single-files", "explicit-files"
  std::string folder;
  std::string modelIndexPath;  // model_index.json of an HF snapshot, or empty
  ComponentFiles transformer, autoencoder, clip, t5, clipTokenizer, t5Tokenizer;

  std::vector<const ComponentFiles*> components() const {
    return {&transformer, &autoencoder, &clip, &t5, &clipTokenizer, &t5Tokenizer};
  }
  bool complete() const;
};

// Looks for every component and records what it found; never fails (a
// component not found has found == false and says where it looked).
ModelFiles scanModelFiles(const ModelLocation& location);

// scanModelFiles, and one ModelMissing error listing each component (where
// it was looked for and what was found) when any is missing.
Result<ModelFiles> discoverModelFiles(const ModelLocation& location);

// One line per component: what was found where, or where it was looked for.
std::string describeModelFiles(const ModelFiles& files);

}  // namespace fd
