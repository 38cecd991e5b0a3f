#pragma once
// Discovery of the text-encoder golden folders under <golden>/text: every
// subfolder holding a config.json is a case; its model type comes from the
// HF config (model_type, else architectures), never from the folder name.

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "weights/dtype.h"

namespace fd::test {

enum class TextModelKind { Unknown, ClipText, T5Encoder };
const char* textModelKindName(TextModelKind kind);

struct TextGoldenCase {
  std::string name;  // folder name, for messages
  std::filesystem::path folder;
  std::string configText;
  TextModelKind kind = TextModelKind::Unknown;
  std::string kindProblem;  // why kind is Unknown (names the file and field)
};

// Every subfolder of `textRoot` with a config.json, sorted by name. Returns
// an empty list when the folder does not exist (the caller fails on that).
std::vector<TextGoldenCase> discoverTextGoldenCases(const std::filesystem::path& textRoot);

// The model kind a HF config.json describes; `problem` says why when Unknown.
TextModelKind textModelKindFromConfig(const std::string& configText, std::string& problem);

// The dtype most floating tensors of a safetensors file are stored in
// (F32 for a float32 golden, BF16 for a bf16 one); nullopt when unreadable.
std::optional<DType> dominantFloatDtype(const std::filesystem::path& safetensorsPath);

// The float32 case holding the same model as `reduced` (a bf16 case): same
// kind, the same config apart from its dtype fields, the same seed in the
// tensors' metadata when both record one, and the same input_ids bytes.
std::optional<TextGoldenCase> findFloat32Twin(const TextGoldenCase& reduced,
                                              const std::vector<TextGoldenCase>& all);

// gtest prints parameters of failed tests with this (folder and kind).
void PrintTo(const TextGoldenCase& c, std::ostream* os);

// A gtest-safe name ([A-Za-z0-9_]) for a folder name.
std::string gtestSafeName(const std::string& name);

}  // namespace fd::test
