#pragma once
// Where the weights are: one folder (HF snapshot, or a folder of single
// files), or explicit single files overriding what the folder gives.
// Torch-free and Qt-free: discovery (weights/model_files.h), the pipeline,
// the service and the UI all use it.

#include <string>

namespace fd {

struct ModelLocation {
  std::string folder;
  std::string transformerFile;  // .safetensors / .sft or a .safetensors.index.json
  std::string autoencoderFile;
  std::string clipFile;
  std::string t5File;
  std::string tokenizerFolder;  // holds vocab.json, merges.txt, spiece.model (or tokenizer/, tokenizer_2/)
};

}  // namespace fd
