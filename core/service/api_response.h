#pragma once
// The success answers of POST /v1/images/generations, as OpenAI sends them:
//   {"created": <unix time>, "background": "opaque", "output_format": "jpeg",
//    "quality": "high", "size": "1024x1024",
//    "data": [{"b64_json": "...", "revised_prompt": "<prompt used>", "seed": 42}, ...],
//    "usage": {"input_tokens", "input_tokens_details", "output_tokens", "total_tokens"}}
// `seed` is FluxDesk's documented extra: the seed of that image, so it can
// be made again alone. The streamed form (text/event-stream) is in
// api_stream_events.h.

#include <cstdint>
#include <string>

#include "common/result.h"
#include "pipeline/image_io.h"
#include "pipeline/pipeline.h"

namespace fd::api {

// How the images of one request are encoded and described.
struct OutputOptions {
  ImageFormat format = ImageFormat::Jpeg;
  int compression = 90;          // JPEG / WebP quality 0..100
  std::string quality = "high";  // as reported (reportedQuality)
  std::string safetyIdentifier;  // echoed when not empty, as OpenAI does
};

// One image as the API sends it: encoded (PNG with its settings in text
// chunks, JPEG with them in a comment, or WebP), then base64. No settings
// (partial images): no metadata.
Result<std::string> base64Image(const uint8_t* rgb, int width, int height,
                                const ImageSettings* settings, const OutputOptions& output);

// The token counts OpenAI reports for image models: the prompt's tokens
// after tokenization (T5's, the encoder that carries the prompt, truncated
// at its limit) and one output token per 16x16 latent patch of each image.
int64_t promptTokens(const GenerationResult& result);
int64_t imageTokens(int width, int height);

Result<std::string> imagesResponseBody(const GenerationResult& result, const ModelInfo& model,
                                       const OutputOptions& output, int64_t created);

// GET /v1/models: {"object": "list", "data": [{"id", "object": "model", "created", "owned_by",
// "limits"}]} `limits` (FluxDesk's extra) publishes request_limits.h and the model's steps.
std::string modelsResponseBody(const ModelInfo& model, int64_t created);
// GET /v1/models/{id}: the one model object.
std::string modelObjectBody(const ModelInfo& model, int64_t created);

}  // namespace fd::api
