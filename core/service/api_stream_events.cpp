#include "service/api_stream_events.h"

#include <nlohmann/json.hpp>

#include "service/api_json.h"

namespace fd::api {

namespace {

using json = nlohmann::json;

std::string event(const std::string& name, const json& data) {
  return "event: " + name + "\ndata: " + dumpJson(data) + "\n\n";
}

json imageFields(const std::string& type, const StreamedImage& image) {
  json data{{"type", type},
            {"b64_json", image.b64},
            {"created_at", image.createdAt},
            {"size", std::to_string(image.width) + "x" + std::to_string(image.height)},
            {"quality", image.quality},
            {"background", "opaque"},
            {"output_format", image.outputFormat},
            {"image_index", image.imageIndex}};
  if (!image.safetyIdentifier.empty()) data["safety_identifier"] = image.safetyIdentifier;
  return data;
}

}  // namespace

std::string partialImageEvent(const StreamedImage& image, int partialImageIndex) {
  const std::string type = image.eventPrefix + ".partial_image";
  json data = imageFields(type, image);
  data["partial_image_index"] = partialImageIndex;
  return event(type, data);
}

std::string completedEvent(const StreamedImage& image, uint64_t seed, int64_t inputTokens,
                           int64_t outputTokens) {
  const std::string type = image.eventPrefix + ".completed";
  json data = imageFields(type, image);
  data["seed"] = seed;
  data["usage"] = usageJson(inputTokens, outputTokens);
  return event(type, data);
}

std::string errorEvent(const ApiError& error) {
  json body = json::parse(errorBody(error), nullptr, false);
  json data{{"type", "error"},
            {"error", body.is_object() && body.contains("error") ? body["error"] : json::object()}};
  return event("error", data);
}

std::string keepAliveComment() { return ": keep-alive\n\n"; }

}  // namespace fd::api
