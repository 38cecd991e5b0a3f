#pragma once
// The success answer of POST /v1/images/generations:
//   {"created": <unix time>, "output_format": "jpeg", "size": "1024x1024",
//    "data": [{"b64_json": "...", "revised_prompt": "<prompt used>", "seed": 42}, ...]}
// `seed` is FluxDesk's documented extra: the seed of that image, so it can
// be made again alone.

#include <cstdint>
#include <string>

#include "common/result.h"
#include "pipeline/image_io.h"
#include "pipeline/pipeline.h"

namespace fd::api {

// Encodes every image (PNG with its settings in text chunks, or JPEG with
// them in a comment) and builds the body.
Result<std::string> imagesResponseBody(const GenerationResult& result, const ModelInfo& model, ImageFormat format,
                                       int jpegQuality, int64_t created);

// GET /v1/models: {"object": "list", "data": [{"id", "object": "model", "created", "owned_by"}]}
std::string modelsResponseBody(const ModelInfo& model, int64_t created);
// GET /v1/models/{id}: the one model object.
std::string modelObjectBody(const ModelInfo& model, int64_t created);

}  // namespace fd::api
