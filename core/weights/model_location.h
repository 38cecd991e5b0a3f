#pragma once
// Where the weights are: one folder (HF snapshot, or a folder of single
// files), or explicit single files overriding what the folder gives.
// Torch-free and Qt-free: discovery (weights/model_files.h), the pipeline,
// the service and the UI all use it.

#include <string>
#include <tuple>

namespace fd {

struct ModelLocation {
  std::string folder;
  std::string transformerFile;  // .safetensors / .sft or a .safetensors.index.json
  std::string autoencoderFile;
  std::string clipFile;
  std::string t5File;
  // holds vocab.json, merges.txt, spiece.model (or tokenizer/, tokenizer_2/)
  std::string tokenizerFolder;
};

// Field by field, so that a changed location means another model to load
// (service/pipeline_engine). C++17 has no defaulted ==; the size check
// makes a new field fail to compile until it is compared here too.
inline bool operator==(const ModelLocation& a, const ModelLocation& b) {
  static_assert(sizeof(ModelLocation) == 6 * sizeof(std::string),
                "compare the new field of ModelLocation");
  auto fields = [](const ModelLocation& l) {
    return std::tie(l.folder, l.transformerFile, l.autoencoderFile, l.clipFile, l.t5File,
                    l.tokenizerFolder);
  };
  return fields(a) == fields(b);
}
inline bool operator!=(const ModelLocation& a, const ModelLocation& b) { return !(a == b); }

}  // namespace fd
