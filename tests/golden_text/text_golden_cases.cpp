#include "golden_text/text_golden_cases.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "support/test_paths.h"
#include "weights/safetensors_file.h"

namespace fd::test {

namespace fs = std::filesystem;

namespace {

bool containsText(const nlohmann::json& list, const char* const* names) {
  if (!list.is_array()) return false;
  for (const auto& entry : list) {
    if (!entry.is_string()) continue;
    for (const char* const* n = names; *n; ++n)
      if (entry.get<std::string>() == *n) return true;
  }
  return false;
}

// The config without the fields that only say which dtype it was saved in.
std::optional<nlohmann::json> configWithoutDtype(const std::string& text) {
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  json.erase("torch_dtype");
  json.erase("use_bfloat16");
  return json;
}

std::optional<std::string> metadataValue(const SafetensorsFile& file, const std::string& key) {
  auto it = file.metadata().find(key);
  if (it == file.metadata().end()) return std::nullopt;
  return it->second;
}

bool sameInputIds(const SafetensorsFile& a, const SafetensorsFile& b) {
  const TensorInfo* ia = a.find("input_ids");
  const TensorInfo* ib = b.find("input_ids");
  if (!ia || !ib || ia->dtype != ib->dtype || ia->shape != ib->shape) return false;
  return std::memcmp(a.data(*ia), b.data(*ib), ia->byteSize()) == 0;
}

}  // namespace

const char* textModelKindName(TextModelKind kind) {
  switch (kind) {
    case TextModelKind::ClipText: return "clip_text_model";
    case TextModelKind::T5Encoder: return "t5";
    case TextModelKind::Unknown: break;
  }
  return "unknown";
}

TextModelKind textModelKindFromConfig(const std::string& configText, std::string& problem) {
  auto json = nlohmann::json::parse(configText, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    problem = "not a JSON object";
    return TextModelKind::Unknown;
  }
  if (json.contains("model_type") && json["model_type"].is_string()) {
    const auto type = json["model_type"].get<std::string>();
    if (type == "t5" || type == "umt5") return TextModelKind::T5Encoder;
    if (type == "clip_text_model") return TextModelKind::ClipText;
    problem = "unsupported model_type \"" + type + "\"";
    return TextModelKind::Unknown;
  }
  static const char* const t5Names[] = {"T5EncoderModel", "T5ForConditionalGeneration", "T5Model",
                                        nullptr};
  static const char* const clipNames[] = {"CLIPTextModel", "CLIPTextModelWithProjection", nullptr};
  if (json.contains("architectures")) {
    if (containsText(json["architectures"], t5Names)) return TextModelKind::T5Encoder;
    if (containsText(json["architectures"], clipNames)) return TextModelKind::ClipText;
    problem = "no supported class in architectures " + json["architectures"].dump();
    return TextModelKind::Unknown;
  }
  problem = "neither model_type nor architectures is given";
  return TextModelKind::Unknown;
}

std::vector<TextGoldenCase> discoverTextGoldenCases(const fs::path& textRoot) {
  std::vector<TextGoldenCase> cases;
  std::error_code ec;
  if (!fs::is_directory(textRoot, ec)) return cases;
  for (const auto& entry : fs::directory_iterator(textRoot, ec)) {
    if (!entry.is_directory(ec) || !fs::is_regular_file(entry.path() / "config.json", ec)) continue;
    TextGoldenCase c;
    c.name = entry.path().filename().string();
    c.folder = entry.path();
    try {
      c.configText = readTextFile(entry.path() / "config.json");
      c.kind = textModelKindFromConfig(c.configText, c.kindProblem);
    } catch (const std::exception& e) {
      c.kindProblem = e.what();
    }
    if (!c.kindProblem.empty())
      c.kindProblem = (c.folder / "config.json").string() + ": " + c.kindProblem;
    cases.push_back(std::move(c));
  }
  std::sort(cases.begin(), cases.end(),
            [](const TextGoldenCase& a, const TextGoldenCase& b) { return a.name < b.name; });
  return cases;
}

std::optional<DType> dominantFloatDtype(const fs::path& safetensorsPath) {
  auto file = SafetensorsFile::open(safetensorsPath.string());
  if (!file.ok()) return std::nullopt;
  std::map<DType, int> counts;
  for (const auto& info : file.value()->tensors())
    if (isFloatingPoint(info.dtype)) ++counts[info.dtype];
  if (counts.empty()) return std::nullopt;
  return std::max_element(counts.begin(), counts.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; })
      ->first;
}

std::optional<TextGoldenCase> findFloat32Twin(const TextGoldenCase& reduced,
                                              const std::vector<TextGoldenCase>& all) {
  auto config = configWithoutDtype(reduced.configText);
  auto tensors = SafetensorsFile::open((reduced.folder / "tensors.safetensors").string());
  if (!config || !tensors.ok()) return std::nullopt;
  for (const auto& other : all) {
    if (other.folder == reduced.folder || other.kind != reduced.kind) continue;
    if (configWithoutDtype(other.configText) != config) continue;
    if (dominantFloatDtype(other.folder / "weights.safetensors") != DType::F32) continue;
    auto otherTensors = SafetensorsFile::open((other.folder / "tensors.safetensors").string());
    if (!otherTensors.ok() || !sameInputIds(*tensors.value(), *otherTensors.value())) continue;
    auto seed = metadataValue(*tensors.value(), "seed");
    auto otherSeed = metadataValue(*otherTensors.value(), "seed");
    if (seed && otherSeed && *seed != *otherSeed) continue;
    return other;
  }
  return std::nullopt;
}

void PrintTo(const TextGoldenCase& c, std::ostream* os) {
  *os << c.folder.string() << " (" << textModelKindName(c.kind) << ")";
}

std::string gtestSafeName(const std::string& name) {
  std::string safe;
  for (char ch : name) {
    const bool ok =
        (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    safe += ok ? ch : '_';
  }
  return safe.empty() ? "unnamed" : safe;
}

}  // namespace fd::test
