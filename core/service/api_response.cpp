#include "service/api_response.h"

#include <algorithm>
#include <QByteArray>
#include <nlohmann/json.hpp>

#include "service/api_model_names.h"
#include "pipeline/result_settings.h"

namespace fd::api {

namespace {

using json = nlohmann::json;

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

json modelObject(const ModelInfo& model, int64_t created) {
  return json{{"id", apiModelId(model)},
              {"object", "model"},
              {"created", created},
              {"owned_by", model.isDemo ? "fluxdesk" : "black-forest-labs"}};
}

}  // namespace

Result<std::string> imagesResponseBody(const GenerationResult& result, const ModelInfo& model, ImageFormat format,
                                       int jpegQuality, int64_t created) {
  json data = json::array();
  std::string size;
  for (size_t i = 0; i < result.images.size(); ++i) {
    const GeneratedImage& image = result.images[i];
    Result<std::vector<uint8_t>> encoded = encodeImage(image.rgb.data(), image.width, image.height, format,
                                                       imageSettingsFor(result, i, model), jpegQuality);
    if (!encoded) return encoded.error();
    const QByteArray raw = QByteArray::fromRawData(reinterpret_cast<const char*>(encoded->data()),
                                                   qsizetype(encoded->size()));
    data.push_back(json{{"b64_json", raw.toBase64().toStdString()},
                        {"revised_prompt", result.request.prompt},
                        {"seed", image.seed}});
    size = std::to_string(image.width) + "x" + std::to_string(image.height);
  }
  // usage as OpenAI reports it for image models: the prompt's tokens after
  // tokenization (T5's, the encoder that carries the prompt, truncated at
  // its limit) and one output token per 16x16 latent patch of each image.
  const int64_t inputTokens = std::min(result.prompt.t5Tokens, result.prompt.t5Limit);
  int64_t outputTokens = 0;
  for (const GeneratedImage& image : result.images) outputTokens += int64_t(image.width / 16) * (image.height / 16);
  json body{{"created", created},
            {"background", "opaque"},
            {"output_format", format == ImageFormat::Png ? "png" : "jpeg"},
            {"quality", "auto"},
            {"size", size},
            {"data", std::move(data)},
            {"usage",
             {{"input_tokens", inputTokens},
              {"input_tokens_details", {{"text_tokens", inputTokens}, {"image_tokens", 0}}},
              {"output_tokens", outputTokens},
              {"total_tokens", inputTokens + outputTokens}}}};
  return dump(body);
}

std::string modelsResponseBody(const ModelInfo& model, int64_t created) {
  return dump(json{{"object", "list"}, {"data", json::array({modelObject(model, created)})}});
}

std::string modelObjectBody(const ModelInfo& model, int64_t created) { return dump(modelObject(model, created)); }

}  // namespace fd::api
