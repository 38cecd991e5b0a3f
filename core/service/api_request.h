#pragma once
// Parsing the JSON body of POST /v1/images/generations into an engine
// request. Every problem is a 400 naming the field (`param`); a model that
// is not the loaded one is a 404 model_not_found. Never throws.

#include <optional>
#include <string>
#include <vector>

#include "pipeline/image_io.h"
#include "pipeline/pipeline.h"
#include "weights/json_strict.h"  // jsonNestingDepth: a cheap guard before parsing
#include "service/api_error.h"

namespace fd::api {

struct RequestLimits {
  int maxPromptChars = 4000;  // Unicode code points
  int maxNestingDepth = 16;   // of the JSON body
};

struct ImageRequest {
  GenerationRequest generation;  // prompt, width, height, count, seed, steps
  ImageFormat outputFormat = ImageFormat::Jpeg;
  int jpegQuality = 90;    // output_compression, 1..100
  std::string user;        // for the request log
  std::string quality;     // accepted, recorded, no effect (see README)
  std::string style;       // accepted, recorded, no effect (see README)
  std::vector<std::string> ignoredFields;  // unknown keys, for the log
};

struct ParsedRequest {
  std::optional<ImageRequest> request;
  ApiError error;  // when !request
  bool ok() const { return request.has_value(); }
};

// `model` gives the default steps, the step limit and the accepted names.
ParsedRequest parseImageRequest(const std::string& body, const ModelInfo& model, bool modelReady,
                                const RequestLimits& limits = {});


}  // namespace fd::api
