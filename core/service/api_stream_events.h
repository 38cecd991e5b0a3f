#pragma once
// The server-sent events of a streamed POST /v1/images/generations
// (`stream: true`), as OpenAI's Images API sends them and its SDKs parse:
//   event: image_generation.partial_image
//   data: {"type": "image_generation.partial_image", "b64_json", "partial_image_index",
//          "size", "quality", "background", "output_format", "created_at", "image_index"}
//   event: image_generation.completed
//   data: {"type": "image_generation.completed", "b64_json", "size", "quality", "background",
//          "output_format", "created_at", "usage", "image_index", "seed"}
//   event: error
//   data: {"type": "error", "error": {"message", "type", "param", "code"}}
// /v1/images/edits sends the same as image_edit.partial_image and
// image_edit.completed. `image_index` (0..n-1) and `seed` are FluxDesk's extras: with n > 1 every
// image's events share the one stream, and image_index tells them apart.

#include <cstdint>
#include <string>

#include "service/api_error.h"

namespace fd::api {

struct StreamedImage {
  std::string eventPrefix = "image_generation";  // "image_edit" for /v1/images/edits
  std::string b64;                               // the encoded image, base64
  int width = 0, height = 0;
  std::string outputFormat;  // "png", "jpeg", "webp"
  std::string quality;       // as reported
  int64_t createdAt = 0;
  int imageIndex = 0;
  std::string safetyIdentifier;  // echoed when not empty
};

std::string partialImageEvent(const StreamedImage& image, int partialImageIndex);
// `inputTokens`/`outputTokens`: this image's share of the request's usage
// (the prompt's tokens are counted on image 0 only, so the events' usage
// adds up to the request's).
std::string completedEvent(const StreamedImage& image, uint64_t seed, int64_t inputTokens,
                           int64_t outputTokens);
std::string errorEvent(const ApiError& error);
// A comment line: ignored by every SSE client; keeps the connection
// checked while the model works (a client that left makes its send fail).
std::string keepAliveComment();

}  // namespace fd::api
