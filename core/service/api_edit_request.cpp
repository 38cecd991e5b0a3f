#include "service/api_edit_request.h"

#include <nlohmann/json.hpp>
#include <set>

#include "pipeline/image_io.h"
#include "pipeline/mask_image.h"
#include "service/api_json.h"
#include "text/utf8.h"

namespace fd::api {

namespace {

using json = nlohmann::json;

// Form fields are text; these are read as JSON numbers or booleans when
// they look like one (so "n=2" is the number 2 and "n=two" still a 400 that
// names n).
const std::set<std::string>& numericFields() {
  static const std::set<std::string> fields = {"n",       "output_compression",  "seed",
                                               "steps",   "num_inference_steps", "partial_images",
                                               "strength"};
  return fields;
}

json fieldValue(const std::string& name, const std::string& text) {
  if (name == "stream" && (text == "true" || text == "false")) return text == "true";
  if (numericFields().count(name)) {
    json number = json::parse(text, nullptr, false);
    if (!number.is_discarded() && number.is_number()) return number;
  }
  return text;
}

ParsedRequest refused(ApiError error) {
  ParsedRequest parsed;
  parsed.error = std::move(error);
  return parsed;
}

}  // namespace

ParsedRequest parseEditRequest(const http::ParsedForm& form, const ModelInfo& model,
                               bool modelReady, const ParseOptions& options) {
  std::vector<const http::FormPart*> images = form.all("image");
  for (const http::FormPart* part : form.all("image[]")) images.push_back(part);
  if (images.empty())
    return refused(
        badField("image", "image is required (the picture to edit)", "missing_required_parameter"));
  if (images.size() > 1) {
    return refused(badField("image",
                            "FLUX.1 edits one picture at a time; send one image (" +
                                std::to_string(images.size()) + " were sent)",
                            "unsupported_value"));
  }
  auto decoded = decodeImage(std::vector<uint8_t>(images[0]->data.begin(), images[0]->data.end()));
  if (!decoded) {
    return refused(badField(
        "image", "image could not be read as PNG, JPEG or WebP: " + decoded.error().message,
        "invalid_image"));
  }
  auto source = std::make_shared<SourceImage>();
  source->width = decoded->width;
  source->height = decoded->height;
  source->rgb = std::move(decoded->rgb);
  source->name = images[0]->filename.substr(0, 200);
  if (const http::FormPart* maskPart = form.find("mask")) {
    if (form.all("mask").size() > 1) return refused(badField("mask", "send one mask"));
    auto mask = decodeMaskImage(std::vector<uint8_t>(maskPart->data.begin(), maskPart->data.end()));
    if (!mask)
      return refused(badField("mask",
                              "mask could not be read as PNG or WebP: " + mask.error().message,
                              "invalid_image"));
    if (mask->width != source->width || mask->height != source->height) {
      return refused(badField("mask",
                              "mask is " + std::to_string(mask->width) + "x" +
                                  std::to_string(mask->height) + " but image is " +
                                  std::to_string(source->width) + "x" +
                                  std::to_string(source->height) + ": they must be the same size",
                              "invalid_mask"));
    }
    source->mask = std::move(mask->repaint);
  }

  // The text fields, as the JSON object a generation would send.
  json body = json::object();
  for (const http::FormPart& part : form.parts) {
    if (part.name == "image" || part.name == "image[]" || part.name == "mask") continue;
    const std::string name = part.name.substr(0, 64);
    if (body.contains(part.name)) return refused(badField(name, name + " was sent twice"));
    if (auto utf8 = unicode::validateUtf8(part.data); !utf8)
      return refused(badField(name, name + ": " + utf8.error().message));
    // loras arrives as JSON text in a form.
    body[part.name] = part.name == "loras" ? json::parse(part.data, nullptr, false)
                                           : fieldValue(part.name, part.data);
    if (body[part.name].is_discarded())
      return refused(badField("loras", "loras must be JSON text in a form"));
  }
  return parseImageRequest(dumpJson(body), model, modelReady, options, std::move(source));
}

}  // namespace fd::api
