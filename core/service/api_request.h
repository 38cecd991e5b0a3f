#pragma once
// Parsing the JSON body of POST /v1/images/generations into an engine
// request. The JSON types are checked here; the rules (sizes, counts,
// steps, prompt) are the engine's one validator's (request_validation.h),
// reported under the API's field names. Every problem is a 400 naming the
// field (`param`); a model that is not the loaded one is a 404
// model_not_found. Never throws.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/image_io.h"
#include "pipeline/pipeline.h"
#include "service/api_error.h"
#include "weights/json_strict.h"  // jsonNestingDepth: a cheap guard before parsing

namespace fd::api {

inline constexpr int kMaxPartialImages = 3;     // as OpenAI: partial_images 0..3
inline constexpr int kDefaultCompression = 90;  // output_compression when absent (OpenAI's is 100)

struct ParseOptions {
  int maxNestingDepth = 16;  // of the JSON body
  // Where `loras: [{"name": ...}]` finds its files ("": LoRAs are refused).
  std::string loraFolder;
};

struct ImageRequest {
  GenerationRequest generation;  // prompt, width, height, count, seed, steps
  ImageFormat outputFormat = ImageFormat::Jpeg;
  int compression = kDefaultCompression;  // output_compression 0..100: JPEG/WebP quality
  bool stream = false;                    // text/event-stream answer
  int partialImages = 0;            // 0..3 previews per image before the final one (stream only)
  std::string background = "auto";  // auto or opaque (FluxDesk's images are always opaque)
  std::string quality = "auto";     // accepted, recorded, no effect (see README)
  std::string style;                // accepted, recorded, no effect (see README)
  std::string moderation;           // accepted, no effect: nothing is moderated locally
  std::string user;                 // safety_identifier, else user: for the request log
  bool sizeGiven = false;           // a size other than "auto" was asked for
  std::vector<std::string> ignoredFields;  // unknown keys, for the log
};

struct ParsedRequest {
  std::optional<ImageRequest> request;
  ApiError error;  // when !request
  bool ok() const { return request.has_value(); }
};

// `model` gives the default steps, the step limit and the accepted names.
// `source`: the input picture of an edit (its size is the default size,
// and strength and mask are judged with it); null for generations.
ParsedRequest parseImageRequest(const std::string& body, const ModelInfo& model, bool modelReady,
                                const ParseOptions& options = {},
                                std::shared_ptr<const SourceImage> source = nullptr);

// The quality reported back: the requested GPT quality level, or "high"
// (FLUX has no quality levels; every image is made at full quality).
std::string reportedQuality(const std::string& requested);

}  // namespace fd::api
