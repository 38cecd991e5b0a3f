#include "service/api_request.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "pipeline/request_validation.h"
#include "service/api_model_names.h"

namespace fd::api {

namespace {

using json = nlohmann::json;

// The body keys this server reads. Anything else is ignored and logged, so
// clients written for other servers (background, moderation, ...) work.
const std::set<std::string>& knownFields() {
  static const std::set<std::string> fields = {"prompt",
                                               "model",
                                               "n",
                                               "size",
                                               "response_format",
                                               "output_format",
                                               "output_compression",
                                               "quality",
                                               "style",
                                               "user",
                                               "safety_identifier",
                                               "seed",
                                               "steps",
                                               "num_inference_steps",
                                               "stream",
                                               "partial_images",
                                               "background",
                                               "moderation",
                                               "strength",
                                               "loras"};
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
    if (!std::isfinite(d) || d != std::floor(d) || d < double(lo) || d > double(hi))
      return std::nullopt;
    return int64_t(d);
  }
  return std::nullopt;
}

std::string typeName(const json& value) { return value.type_name(); }

// An optional field: absent and null both mean "not given".
const json* field(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<ApiError> parseSize(const json& value, GenerationRequest& out) {
  if (!value.is_string())
    return badField("size", "size must be a string such as \"1024x1024\", not " + typeName(value));
  std::string text = value.get<std::string>();
  if (text == "auto")
    return std::nullopt;  // gpt-image clients send it: our default (an edit's: its input's size)
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
  const int width = std::stoi(w), height = std::stoi(h);  // at most 5 digits each
  out.width = width;
  out.height = height;
  return std::nullopt;
}

std::optional<ApiError> parseSteps(const json& body, const ModelInfo& model,
                                   GenerationRequest& out) {
  const json* steps = field(body, "steps");
  const json* alias = field(body, "num_inference_steps");
  std::optional<int64_t> value;
  for (auto [name, item] :
       {std::pair<const char*, const json*>{"steps", steps}, {"num_inference_steps", alias}}) {
    if (!item) continue;
    // The upper limit is the model's, checked with the other rules.
    auto parsed = wholeNumber(*item, 1, 1'000'000);
    if (!parsed) {
      return badField(name, std::string(name) + " must be a whole number from 1 to " +
                                std::to_string(std::max(1, model.maxSteps)) + " for this model");
    }
    if (value && *value != *parsed)
      return badField("steps", "steps and num_inference_steps disagree; send one of them");
    value = parsed;
  }
  if (value) out.steps = int(*value);
  return std::nullopt;
}

std::optional<ApiError> parseSeed(const json& value, GenerationRequest& out) {
  // -1 means "random", as in many local UIs.
  if (value.is_number_integer() && !value.is_number_unsigned() && value.get<int64_t>() == -1)
    return std::nullopt;
  if (value.is_number_float() && value.get<double>() == -1.0) return std::nullopt;
  if (value.is_number_unsigned()) {
    out.seed = value.get<uint64_t>();
    return std::nullopt;
  }
  if (auto whole = wholeNumber(value, 0, int64_t(1) << 53)) {
    out.seed = uint64_t(*whole);
    return std::nullopt;
  }
  return badField(
      "seed",
      "seed must be a whole number from 0 to 18446744073709551615 (or -1 for a random one)");
}

std::optional<ApiError> parseChoice(const json& body, const char* name,
                                    const std::set<std::string>& choices, std::string& out) {
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

// The rule the engine's validator found broken, under the API's names:
// width and height come from `size`, count is `n`.
ApiError ruleError(const RequestProblem& problem, const GenerationRequest& gen) {
  switch (problem.field) {
    case RequestField::Width:
    case RequestField::Height:
      return badField("size", "size " + std::to_string(gen.width) + "x" +
                                  std::to_string(gen.height) +
                                  " is not supported: " + problem.message);
    case RequestField::Count: {
      std::string message = problem.message;
      if (message.rfind("count ", 0) == 0) message.replace(0, 5, "n");
      return badField("n", message);
    }
    case RequestField::Prompt:
      return badField("prompt", problem.message,
                      problem.message.find("longer than") != std::string::npos
                          ? "string_above_max_length"
                          : "invalid_value");
    case RequestField::Steps: return badField("steps", problem.message);
    case RequestField::Guidance: return badField("guidance", problem.message);
    case RequestField::Image: return badField("image", problem.message);
    case RequestField::Mask: return badField("mask", problem.message);
    case RequestField::Strength: return badField("strength", problem.message);
    case RequestField::Loras: return badField("loras", problem.message);
  }
  return badField("", problem.message);
}

std::optional<ApiError> parseOutputOptions(const json& body, ImageRequest& out) {
  if (const json* format = field(body, "response_format")) {
    if (!format->is_string())
      return badField("response_format", "response_format must be \"b64_json\"");
    if (format->get<std::string>() == "url") {
      return badField(
          "response_format",
          "response_format \"url\" is not supported: this local server keeps no public files; "
          "use \"b64_json\" (the default)",
          "unsupported_value");
    }
    if (format->get<std::string>() != "b64_json")
      return badField("response_format", "response_format must be \"b64_json\"");
  }

  if (const json* format = field(body, "output_format")) {
    std::optional<ImageFormat> parsed;
    std::string name;
    if (format->is_string()) {
      name = format->get<std::string>();
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return char(std::tolower(c)); });
      parsed = imageFormatFromName(name);
    }
    if (!parsed && (name == "gif" || name == "svg")) {
      return badField("output_format",
                      "output_format \"" + name +
                          "\" is not supported by FLUX.1 (a still raster model): "
                          "use \"png\", \"jpeg\" or \"webp\"",
                      "unsupported_value");
    }
    if (!parsed)
      return badField("output_format", "output_format must be \"png\", \"jpeg\" or \"webp\"");
    out.outputFormat = *parsed;
  }

  if (const json* compression = field(body, "output_compression")) {
    auto value = wholeNumber(*compression, 0, 100);
    if (!value)
      return badField("output_compression",
                      "output_compression must be a whole number from 0 to 100");
    out.compression = int(*value);
  }

  if (const json* background = field(body, "background")) {
    const std::string value = background->is_string() ? background->get<std::string>() : "";
    if (value == "transparent") {
      return badField("background",
                      "background \"transparent\" is not supported: FLUX.1 makes opaque images; "
                      "use \"auto\" or \"opaque\"",
                      "unsupported_value");
    }
    if (value != "auto" && value != "opaque")
      return badField("background", "background must be \"auto\" or \"opaque\"");
    out.background = value;
  }
  return std::nullopt;
}

std::optional<ApiError> parseStreaming(const json& body, ImageRequest& out) {
  if (const json* stream = field(body, "stream")) {
    if (!stream->is_boolean())
      return badField("stream", "stream must be true or false, not " + typeName(*stream));
    out.stream = stream->get<bool>();
  }
  if (const json* partial = field(body, "partial_images")) {
    auto value = wholeNumber(*partial, 0, kMaxPartialImages);
    if (!value) {
      return badField("partial_images", "partial_images must be a whole number from 0 to " +
                                            std::to_string(kMaxPartialImages));
    }
    out.partialImages = int(*value);
  }
  return std::nullopt;
}

std::optional<ApiError> parseIdentity(const json& body, ImageRequest& out) {
  for (const char* name : {"user", "safety_identifier"}) {
    const json* value = field(body, name);
    if (!value) continue;
    if (!value->is_string())
      return badField(name, std::string(name) + " must be a string, not " + typeName(*value));
    if (value->get<std::string>().size() > 256)
      return badField(name, std::string(name) + " is longer than 256 bytes");
  }
  // As OpenAI: a non-empty safety_identifier wins over the deprecated user.
  const json* safety = field(body, "safety_identifier");
  const json* user = field(body, "user");
  if (safety && !safety->get<std::string>().empty()) {
    out.user = safety->get<std::string>();
  } else if (user) {
    out.user = user->get<std::string>();
  }
  return std::nullopt;
}

// loras: [{"name": "file in the LoRA folder", "scale": 0.8}, ...] (FluxDesk's
// extension). A name is a plain file name (".safetensors" may be left off),
// never a path: nothing outside the folder can be named.
std::optional<ApiError> parseLoras(const json& body, const std::string& folder,
                                   GenerationRequest& out) {
  const json* loras = field(body, "loras");
  if (!loras) return std::nullopt;
  if (!loras->is_array())
    return badField("loras", "loras must be a list of {\"name\": ..., \"scale\": ...} objects");
  if (!loras->empty() && folder.empty())
    return badField(
        "loras",
        "this server has no LoRA folder (start it with --lora-dir DIR, or set one in Settings)",
        "unsupported_value");
  for (const json& item : *loras) {
    const json* name = item.is_object() ? field(item, "name") : nullptr;
    if (!name || !name->is_string())
      return badField(
          "loras",
          "each LoRA is an object with a \"name\" (a file in the LoRA folder) and a \"scale\"");
    std::string file = name->get<std::string>();
    const bool plain = !file.empty() && file.size() <= 200 && file[0] != '.' &&
                       file.find_first_of("/\\") == std::string::npos &&
                       file.find('\0') == std::string::npos;
    if (!plain)
      return badField("loras", "a LoRA name is a file name in the LoRA folder, not a path");
    if (file.size() < 12 || file.compare(file.size() - 12, 12, ".safetensors") != 0)
      file += ".safetensors";
    const std::filesystem::path path = std::filesystem::path(folder) / file;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
      return badField(
          "loras",
          "there is no LoRA '" + name->get<std::string>().substr(0, 100) + "' in the LoRA folder",
          "lora_not_found");
    LoraSpec lora;
    lora.path = path.string();
    if (const json* scale = field(item, "scale")) {
      if (!scale->is_number()) return badField("loras", "a LoRA's scale must be a number");
      lora.scale = scale->get<double>();
    }
    out.loras.push_back(std::move(lora));
  }
  return std::nullopt;
}

std::optional<ApiError> parseFields(const json& body, const ModelInfo& model, bool modelReady,
                                    const ParseOptions& options, ImageRequest& out) {
  GenerationRequest& gen = out.generation;

  const json* prompt = field(body, "prompt");
  if (!prompt) return badField("prompt", "prompt is required", "missing_required_parameter");
  if (!prompt->is_string())
    return badField("prompt", "prompt must be a string, not " + typeName(*prompt));
  gen.prompt = prompt->get<std::string>();

  if (const json* name = field(body, "model")) {
    if (!name->is_string())
      return badField("model", "model must be a string, not " + typeName(*name));
    if (!isAcceptedModelName(name->get<std::string>(), model, modelReady)) {
      ApiError error;
      error.status = 404;
      error.param = "model";
      error.code = "model_not_found";
      error.message =
          "The model '" + name->get<std::string>().substr(0, 100) +
          "' does not exist here. This server runs '" + apiModelId(model) +
          "' (also accepted: black-forest-labs/FLUX-1-schnell style aliases; see GET /v1/models).";
      return error;
    }
  }

  if (const json* n = field(body, "n")) {
    // Any whole number here; its range is the validator's rule below.
    auto count = wholeNumber(*n, -1'000'000, 1'000'000);
    if (!count)
      return badField("n", "n must be a whole number from 1 to " +
                               std::to_string(kRequestLimits.maxImagesPerRequest));
    gen.count = int(*count);
  }

  if (const json* size = field(body, "size")) {
    if (auto error = parseSize(*size, gen)) return error;
    out.sizeGiven = !(size->is_string() && size->get<std::string>() == "auto");
  }
  if (gen.source && !out.sizeGiven)
    std::tie(gen.width, gen.height) = defaultSizeForSource(gen.source->width, gen.source->height);
  if (const json* strength = field(body, "strength")) {
    if (!strength->is_number())
      return badField("strength",
                      "strength must be a number from 0 to 1, not " + typeName(*strength));
    gen.strength = strength->get<double>();
  }
  if (auto error = parseOutputOptions(body, out)) return error;
  if (auto error = parseStreaming(body, out)) return error;
  if (auto error = parseSteps(body, model, gen)) return error;
  if (const json* seed = field(body, "seed")) {
    if (auto error = parseSeed(*seed, gen)) return error;
  }

  if (auto error = parseChoice(body, "quality",
                               {"auto", "standard", "hd", "low", "medium", "high", "xhigh", "max"},
                               out.quality)) {
    return error;
  }
  if (auto error = parseChoice(body, "style", {"vivid", "natural"}, out.style)) return error;
  if (auto error = parseChoice(body, "moderation", {"auto", "low"}, out.moderation)) return error;
  if (auto error = parseIdentity(body, out)) return error;
  if (auto error = parseLoras(body, options.loraFolder, gen)) return error;

  if (auto problem = findRequestProblem(gen, model)) return ruleError(*problem, gen);
  return std::nullopt;
}

}  // namespace

std::string reportedQuality(const std::string& requested) {
  for (const char* level : {"low", "medium", "high", "xhigh", "max"}) {
    if (requested == level) return requested;
  }
  return "high";
}

ParsedRequest parseImageRequest(const std::string& body, const ModelInfo& model, bool modelReady,
                                const ParseOptions& options,
                                std::shared_ptr<const SourceImage> source) {
  ParsedRequest parsed;
  if (jsonNestingDepth(body, options.maxNestingDepth) > options.maxNestingDepth) {
    parsed.error = badField("",
                            "The request body nests JSON deeper than " +
                                std::to_string(options.maxNestingDepth) + " levels.",
                            "invalid_json");
    return parsed;
  }
  // nlohmann's parser takes a NUL byte for the end of its input, so
  // anything after one would go unseen: a raw NUL (never valid JSON) is
  // refused first.
  if (body.find('\0') != std::string::npos) {
    parsed.error =
        badField("", "The request body is not valid JSON (it holds a NUL byte).", "invalid_json");
    return parsed;
  }
  // Rejects malformed JSON and invalid UTF-8 (also in \u escapes) alike.
  json root = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    parsed.error =
        badField("", "The request body is not valid JSON (or not valid UTF-8).", "invalid_json");
    return parsed;
  }
  if (!root.is_object()) {
    parsed.error = badField(
        "", "The request body must be a JSON object, not " + typeName(root) + ".", "invalid_json");
    return parsed;
  }
  ImageRequest request;
  request.generation.source = std::move(source);
  try {
    if (auto error = parseFields(root, model, modelReady, options, request)) {
      parsed.error = *error;
      return parsed;
    }
  } catch (const std::exception& e) {  // a json accessor surprise: still a 400, never a crash
    parsed.error =
        badField("", std::string("The request could not be read: ") + e.what(), "invalid_json");
    return parsed;
  }
  for (const auto& item : root.items()) {
    if (!knownFields().count(item.key())) request.ignoredFields.push_back(item.key().substr(0, 64));
  }
  parsed.request = std::move(request);
  return parsed;
}

}  // namespace fd::api
