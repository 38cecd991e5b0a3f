#include "service/api_response.h"

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
  json body{{"created", created},
            {"output_format", format == ImageFormat::Png ? "png" : "jpeg"},
            {"size", size},
            {"data", std::move(data)}};
  return dump(body);
}

std::string modelsResponseBody(const ModelInfo& model, int64_t created) {
  return dump(json{{"object", "list"}, {"data", json::array({modelObject(model, created)})}});
}

std::string modelObjectBody(const ModelInfo& model, int64_t created) { return dump(modelObject(model, created)); }

}  // namespace fd::api
