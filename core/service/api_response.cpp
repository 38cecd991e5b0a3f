#include "service/api_response.h"

#include <QByteArray>
#include <algorithm>
#include <nlohmann/json.hpp>

#include "pipeline/request_limits.h"
#include "pipeline/result_settings.h"
#include "service/api_json.h"
#include "service/api_model_names.h"

namespace fd::api {

namespace {

using json = nlohmann::json;

json modelObject(const ModelInfo& model, int64_t created) {
  const RequestLimits& limits = kRequestLimits;
  return json{{"id", apiModelId(model)},
              {"object", "model"},
              {"created", created},
              {"owned_by", model.ownedBy},
              {"limits",
               {{"min_side", limits.minSide},
                {"max_side", limits.maxSide},
                {"side_multiple", limits.sideMultiple},
                {"max_images", limits.maxImagesPerRequest},
                {"max_prompt_characters", limits.maxPromptCodePoints},
                {"default_steps", model.defaultSteps},
                {"max_steps", model.maxSteps}}}};
}

}  // namespace

Result<std::string> base64Image(const uint8_t* rgb, int width, int height,
                                const ImageSettings* settings, const OutputOptions& output) {
  Result<std::vector<uint8_t>> encoded =
      settings ? encodeImage(rgb, width, height, output.format, *settings, output.compression)
               : encodeImagePlain(rgb, width, height, output.format, output.compression);
  if (!encoded) return encoded.error();
  const QByteArray raw = QByteArray::fromRawData(reinterpret_cast<const char*>(encoded->data()),
                                                 qsizetype(encoded->size()));
  return raw.toBase64().toStdString();
}

int64_t promptTokens(const GenerationResult& result) {
  return std::min(result.prompt.t5Tokens, result.prompt.t5Limit);
}

int64_t imageTokens(int width, int height) { return int64_t(width / 16) * (height / 16); }

Result<std::string> imagesResponseBody(const GenerationResult& result, const ModelInfo& model,
                                       const OutputOptions& output, int64_t created) {
  json data = json::array();
  std::string size;
  int64_t outputTokens = 0;
  for (size_t i = 0; i < result.images.size(); ++i) {
    const GeneratedImage& image = result.images[i];
    const ImageSettings settings = imageSettingsFor(result, i, model);
    Result<std::string> encoded =
        base64Image(image.rgb.data(), image.width, image.height, &settings, output);
    if (!encoded) return encoded.error();
    data.push_back(json{{"b64_json", std::move(*encoded)},
                        {"revised_prompt", result.request.prompt},
                        {"seed", image.seed}});
    size = std::to_string(image.width) + "x" + std::to_string(image.height);
    outputTokens += imageTokens(image.width, image.height);
  }
  json body{{"created", created},
            {"background", "opaque"},
            {"output_format", imageFormatName(output.format)},
            {"quality", output.quality},
            {"size", size},
            {"data", std::move(data)},
            {"usage", usageJson(promptTokens(result), outputTokens)}};
  if (!output.safetyIdentifier.empty()) body["safety_identifier"] = output.safetyIdentifier;
  return dumpJson(body);
}

std::string modelsResponseBody(const ModelInfo& model, int64_t created) {
  return dumpJson(json{{"object", "list"}, {"data", json::array({modelObject(model, created)})}});
}

std::string modelObjectBody(const ModelInfo& model, int64_t created) {
  return dumpJson(modelObject(model, created));
}

}  // namespace fd::api
