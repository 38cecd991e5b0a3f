#pragma once
// Folder layouts for the discovery and inspect tests, built from the
// synthetic state dicts of discovery_test_util.h.

#include <filesystem>
#include <string>

#include "discovery/discovery_test_util.h"
#include "weights/weight_map.h"

namespace fd::test {

void writeFile(const std::filesystem::path& path, const std::string& text);
// Discovery only checks that the tokenizer files are there.
void writeClipTokenizer(const std::filesystem::path& dir);
void writeT5Tokenizer(const std::filesystem::path& dir);

// What each component of a layout should be detected as, and its naming.
struct Expected {
  FluxParams flux = tinyFluxParams();
  AutoEncoderParams ae = tinyAutoencoderParams();
  ClipTextParams clip = tinyClipParams();
  T5Params t5 = tinyT5Params();
  WeightNaming fluxNaming = WeightNaming::Official;
  WeightNaming aeNaming = WeightNaming::Official;
  WeightNaming clipNaming = WeightNaming::Official;
  WeightNaming t5Naming = WeightNaming::Official;
  DType t5Dtype = DType::F32;
};

// The Hugging Face FLUX.1 snapshot as huggingface-cli downloads it, minus
// the BFL files at its root: diffusers transformer in 3 shards, diffusers
// VAE, CLIP, T5 in 2 shards, each with its config.json; tokenizer folders.
Expected writeSnapshot(const std::filesystem::path& root);

}  // namespace fd::test
