#include "service/api_request.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "service/api_model_names.h"

namespace fd::api {

namespace {

using json = nlohmann::json;

// The body keys this server reads. Anything else is ignored and logged, so
// clients written for other servers (background, moderation, ...) work.
const std::set<std::string>& knownFields() {
  static const std::set<std::string> fields = {
      "prompt", "model",         "n",       "size", "response_format", "output_format", "output_compression",
      "quality", "style",        "user",    "seed", "steps",           "num_inference_steps"};
  return fields;
}

std::optional<int64_t> wholeNumber(const json& value, int64_t lo, int64_t hi) {
  if (value.is_number_unsigned()) {
    uint64_t u = value.get<uint64_t>();
    if (u > uint64_t(hi) || (lo > 0 && u < uint64_t(lo))) return std::nullopt;
    return int64_t(u);
  }
  if (value.is_number_integer()) {
    int64_t i = value.get<int64_t>();
    if (i < lo || i > hi) return std::nullopt;
    return i;
  }
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (!std::isfinite(d) || d != std::floor(d) || d < double(lo) || d > double(hi)) return std::nullopt;
    return int64_t(d);
  }
  return std::nullopt;
}

std::string typeName(const json& value) { return value.type_name(); }

int codePoints(const std::string& utf8) {
  int count = 0;
  for (unsigned char c : utf8) count += (c & 0xC0) != 0x80;
  return count;
}

bool isBlank(const std::string& text) { return text.find_first_not_of(" \t\r\n") == std::string::npos; }

// An optional field: absent and null both mean "not given".
const json* field(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<ApiError> parseSize(const json& value, GenerationRequest& out) {
  if (!value.is_string()) return badField("size", "size must be a string such as \"1024x1024\", not " + typeName(value));
  std::string text = value.get<std::string>();
  if (text == "auto") return std::nullopt;  // gpt-image clients send it; our default
  size_t x = text.find_first_of("xX");
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 5 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  std::string w = x == std::string::npos ? "" : text.substr(0, x);
  std::string h = x == std::string::npos ? "" : text.substr(x + 1);
  if (!digits(w) || !digits(h)) {
    return badField("size", "size must be WIDTHxHEIGHT such as \"1024x1024\" (got a string of " +
                                std::to_string(text.size()) + " characters that is not)");
  }
  int width = std::stoi(w), height = std::stoi(h);
  if (width < 256 || width > 2048 || height < 256 || height > 2048 || width % 16 || height % 16) {
    return badField("size", "size " + std::to_string(width) + "x" + std::to_string(height) +
                                " is not supported: width and height must be multiples of 16 from 256 to 2048");
  }
  out.width = width;
  out.height = height;
  return std::nullopt;
}

std::optional<ApiError> parseSteps(const json& body, const ModelInfo& model, GenerationRequest& out) {
  const json* steps = field(body, "steps");
  const json* alias = field(body, "num_inference_steps");
  std::optional<int64_t> value;
  for (auto [name, item] : {std::pair<const char*, const json*>{"steps", steps}, {"num_inference_steps", alias}}) {
    if (!item) continue;
    const int maxSteps = std::max(1, model.maxSteps);
    auto parsed = wholeNumber(*item, 1, maxSteps);
    if (!parsed) {
      return badField(name, std::string(name) + " must be a whole number from 1 to " + std::to_string(maxSteps) +
                                " for this model");
    }
    if (value && *value != *parsed) return badField("steps", "steps and num_inference_steps disagree; send one of them");
    value = parsed;
  }
  if (value) out.steps = int(*value);
  return std::nullopt;
}

std::optional<ApiError> parseSeed(const json& value, GenerationRequest& out) {
  // -1 means "random", as in many local UIs.
  if (value.is_number_integer() && !value.is_number_unsigned() && value.get<int64_t>() == -1) return std::nullopt;
  if (value.is_number_float() && value.get<double>() == -1.0) return std::nullopt;
  if (value.is_number_unsigned()) {
    out.seed = value.get<uint64_t>();
    return std::nullopt;
  }
  if (auto whole = wholeNumber(value, 0, int64_t(1) << 53)) {
    out.seed = uint64_t(*whole);
    return std::nullopt;
  }
  return badField("seed", "seed must be a whole number from 0 to 18446744073709551615 (or -1 for a random one)");
}

std::optional<ApiError> parseChoice(const json& body, const char* name, const std::set<std::string>& choices,
                                    std::string& out) {
  const json* value = field(body, name);
  if (!value) return std::nullopt;
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  if (!value->is_string() || !choices.count(value->get<std::string>())) {
    return badField(name, std::string(name) + " must be one of: " + list);
  }
  out = value->get<std::string>();
  return std::nullopt;
}

std::optional<ApiError> parseFields(const json& body, const ModelInfo& model, bool modelReady,
                                    const RequestLimits& limits, ImageRequest& out) {
  GenerationRequest& gen = out.generation;

  const json* prompt = field(body, "prompt");
  if (!prompt) return badField("prompt", "prompt is required", "missing_required_parameter");
  if (!prompt->is_string()) return badField("prompt", "prompt must be a string, not " + typeName(*prompt));
  gen.prompt = prompt->get<std::string>();
  if (isBlank(gen.prompt)) return badField("prompt", "prompt must not be empty");
  if (gen.prompt.find('\0') != std::string::npos) return badField("prompt", "prompt must not contain NUL characters");
  if (codePoints(gen.prompt) > limits.maxPromptChars) {
    return badField("prompt", "prompt is longer than " + std::to_string(limits.maxPromptChars) + " characters",
                    "string_above_max_length");
  }

  if (const json* name = field(body, "model")) {
    if (!name->is_string()) return badField("model", "model must be a string, not " + typeName(*name));
    if (!isAcceptedModelName(name->get<std::string>(), model, modelReady)) {
      ApiError error;
      error.status = 404;
      error.param = "model";
      error.code = "model_not_found";
      error.message = "The model '" + name->get<std::string>().substr(0, 100) + "' does not exist here. This server runs '" +
                      apiModelId(model) + "' (also accepted: black-forest-labs/FLUX-1-schnell style aliases; see GET /v1/models).";
      return error;
    }
  }

  if (const json* n = field(body, "n")) {
    auto count = wholeNumber(*n, 1, 4);
    if (!count) return badField("n", "n must be a whole number from 1 to 4");
    gen.count = int(*count);
  }

  if (const json* size = field(body, "size")) {
    if (auto error = parseSize(*size, gen)) return error;
  }

  if (const json* format = field(body, "response_format")) {
    if (!format->is_string()) return badField("response_format", "response_format must be \"b64_json\"");
    if (format->get<std::string>() == "url") {
      return badField("response_format",
                      "response_format \"url\" is not supported: this local server keeps no public files; "
                      "use \"b64_json\" (the default)",
                      "unsupported_value");
    }
    if (format->get<std::string>() != "b64_json") return badField("response_format", "response_format must be \"b64_json\"");
  }

  if (const json* format = field(body, "output_format")) {
    std::optional<ImageFormat> parsed;
    if (format->is_string()) {
      std::string name = format->get<std::string>();
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
      parsed = imageFormatFromName(name);
    }
    if (!parsed) return badField("output_format", "output_format must be \"png\" or \"jpeg\"");
    out.outputFormat = *parsed;
  }

  if (const json* compression = field(body, "output_compression")) {
    auto value = wholeNumber(*compression, 0, 100);
    if (!value) return badField("output_compression", "output_compression must be a whole number from 0 to 100");
    out.jpegQuality = std::max<int>(1, int(*value));
  }

  if (auto error = parseSteps(body, model, gen)) return error;
  if (const json* seed = field(body, "seed")) {
    if (auto error = parseSeed(*seed, gen)) return error;
  }

  if (auto error = parseChoice(body, "quality", {"auto", "standard", "hd", "low", "medium", "high"}, out.quality)) {
    return error;
  }
  if (auto error = parseChoice(body, "style", {"vivid", "natural"}, out.style)) return error;

  if (const json* user = field(body, "user")) {
    if (!user->is_string()) return badField("user", "user must be a string, not " + typeName(*user));
    if (user->get<std::string>().size() > 256) return badField("user", "user is longer than 256 bytes");
    out.user = user->get<std::string>();
  }
  return std::nullopt;
}

}  // namespace

ParsedRequest parseImageRequest(const std::string& body, const ModelInfo& model, bool modelReady,
                                const RequestLimits& limits) {
  ParsedRequest parsed;
  if (jsonNestingDepth(body, limits.maxNestingDepth) > limits.maxNestingDepth) {
    parsed.error = badField("", "The request body nests JSON deeper than " + std::to_string(limits.maxNestingDepth) +
                                    " levels.", "invalid_json");
    return parsed;
  }
  // nlohmann's parser takes a NUL byte for the end of its input, so
  // anything after one would go unseen: a raw NUL (never valid JSON) is
  // refused first.
  if (body.find('\0') != std::string::npos) {
    parsed.error = badField("", "The request body is not valid JSON (it holds a NUL byte).", "invalid_json");
    return parsed;
  }
  // Rejects malformed JSON and invalid UTF-8 (also in \u escapes) alike.
  json root = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    parsed.error = badField("", "The request body is not valid JSON (or not valid UTF-8).", "invalid_json");
    return parsed;
  }
  if (!root.is_object()) {
    parsed.error = badField("", "The request body must be a JSON object, not " + typeName(root) + ".", "invalid_json");
    return parsed;
  }
  ImageRequest request;
  try {
    if (auto error = parseFields(root, model, modelReady, limits, request)) {
      parsed.error = *error;
      return parsed;
    }
  } catch (const std::exception& e) {  // a json accessor surprise: still a 400, never a crash
    parsed.error = badField("", std::string("The request could not be read: ") + e.what(), "invalid_json");
    return parsed;
  }
  for (const auto& item : root.items()) {
    if (!knownFields().count(item.key())) request.ignoredFields.push_back(item.key().substr(0, 64));
  }
  parsed.request = std::move(request);
  return parsed;
}

}  // namespace fd::api
