#pragma once
// POST /v1/images/edits: the multipart/form-data body OpenAI's SDKs send
// (`image` or `image[]`, optional `mask`, and the text fields of a
// generation plus `strength`) into an engine request. The input picture
// and mask are decoded here (PNG, JPEG, WebP; a broken file is a 400 naming
// the field); everything else is parseImageRequest's, so both endpoints
// judge a request the same way.

#include "service/api_request.h"
#include "service/multipart_form.h"

namespace fd::api {

ParsedRequest parseEditRequest(const http::ParsedForm& form, const ModelInfo& model,
                               bool modelReady, const ParseOptions& options = {});

}  // namespace fd::api
