#include "pipeline/image_metadata.h"

#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <sstream>

namespace fd {

const char* fluxdeskVersion() {
#ifdef FLUXDESK_VERSION
  return FLUXDESK_VERSION;
#else
  return "0.1.0";  // keep in step with project(FluxDesk VERSION ...)
#endif
}

namespace {

// Shortest text that reads back as the same double (3.5 -> "3.5").
std::string formatNumber(double value) {
  std::ostringstream out;
  out.precision(15);
  out << value;
  return out.str();
}

}  // namespace

std::string parametersText(const ImageSettings& s) {
  std::ostringstream out;
  out << s.prompt;
  for (const auto& [name, scale] : s.loras)
    out << " <lora:" << name << ":" << formatNumber(scale) << ">";
  out << "\nSteps: " << s.steps << ", Sampler: " << s.sampler << ", Seed: " << s.seed
      << ", Size: " << s.width << "x" << s.height << ", Model: " << s.model;
  if (s.guidance) out << ", Distilled CFG Scale: " << formatNumber(*s.guidance);
  if (s.strength) out << ", Denoising strength: " << formatNumber(*s.strength);
  if (s.inpaint) out << ", Inpaint: masked";
  return out.str();
}

std::string settingsToJson(const ImageSettings& s) {
  nlohmann::ordered_json j;
  j["prompt"] = s.prompt;
  j["width"] = s.width;
  j["height"] = s.height;
  j["seed"] = s.seed;
  j["steps"] = s.steps;
  j["guidance"] =
      s.guidance ? nlohmann::ordered_json(*s.guidance) : nlohmann::ordered_json(nullptr);
  j["model"] = s.model;
  j["model_id"] = s.modelId;
  j["sampler"] = s.sampler;
  j["dtype"] = s.dtype;
  j["device"] = s.device;
  j["software"] = "FluxDesk";
  j["version"] = s.version;
  j["created"] = s.createdAt;
  j["seconds"] = std::round(s.seconds * 1000.0) / 1000.0;
  if (!s.loras.empty()) {
    auto list = nlohmann::ordered_json::array();
    for (const auto& [name, scale] : s.loras) list.push_back({{"name", name}, {"scale", scale}});
    j["loras"] = list;
  }
  if (s.strength) {
    j["strength"] = *s.strength;
    j["source_image"] = s.sourceImage;
    j["inpaint"] = s.inpaint;
  }
  // Prompts may hold any UTF-8; replace invalid bytes rather than throw.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Result<ImageSettings> settingsFromJson(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return makeError(ErrorKind::BadRequest, "image settings: not a JSON object");

  ImageSettings s;
  auto requireString = [&](const char* key, std::string& out) -> std::optional<Error> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string())
      return makeError(ErrorKind::BadRequest,
                       std::string("image settings: '") + key + "' missing or not a string");
    out = it->get<std::string>();
    return std::nullopt;
  };
  auto requireInt = [&](const char* key, int& out) -> std::optional<Error> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer())
      return makeError(ErrorKind::BadRequest,
                       std::string("image settings: '") + key + "' missing or not an integer");
    out = it->get<int>();
    return std::nullopt;
  };
  auto optionalString = [&](const char* key, std::string& out) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string()) out = it->get<std::string>();
  };

  if (auto e = requireString("prompt", s.prompt)) return *e;
  if (auto e = requireInt("width", s.width)) return *e;
  if (auto e = requireInt("height", s.height)) return *e;
  if (auto e = requireInt("steps", s.steps)) return *e;
  auto seed = j.find("seed");
  if (seed == j.end() || !seed->is_number_unsigned())
    return makeError(ErrorKind::BadRequest,
                     "image settings: 'seed' missing or not a non-negative integer");
  s.seed = seed->get<uint64_t>();
  auto guidance = j.find("guidance");
  if (guidance != j.end() && guidance->is_number()) s.guidance = guidance->get<double>();
  optionalString("model", s.model);
  optionalString("model_id", s.modelId);
  optionalString("sampler", s.sampler);
  optionalString("dtype", s.dtype);
  optionalString("device", s.device);
  optionalString("version", s.version);
  optionalString("created", s.createdAt);
  auto seconds = j.find("seconds");
  if (seconds != j.end() && seconds->is_number()) s.seconds = seconds->get<double>();
  auto strength = j.find("strength");
  if (strength != j.end() && strength->is_number()) s.strength = strength->get<double>();
  optionalString("source_image", s.sourceImage);
  auto loras = j.find("loras");
  if (loras != j.end() && loras->is_array()) {
    for (const auto& item : *loras) {
      if (item.is_object() && item.contains("name") && item["name"].is_string() &&
          item.contains("scale") && item["scale"].is_number())
        s.loras.emplace_back(item["name"].get<std::string>(), item["scale"].get<double>());
    }
  }
  auto inpaint = j.find("inpaint");
  if (inpaint != j.end() && inpaint->is_boolean()) s.inpaint = inpaint->get<bool>();
  return s;
}

std::string currentUtcTimestamp() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

}  // namespace fd
