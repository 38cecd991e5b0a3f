#pragma once
// OpenAI-style error answers of the HTTP API:
//   {"error": {"message": "...", "type": "...", "param": "size" | null, "code": "..." | null}}

#include <string>

#include "common/result.h"

namespace fd::api {

struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;  // the request field at fault ("" -> null)
  std::string code;   // machine-readable ("" -> null)
};

std::string errorBody(const ApiError& error);

ApiError makeApiError(int status, std::string message, std::string code,
                      std::string type = "invalid_request_error");
// 400 for a bad field, naming it.
ApiError badField(const std::string& param, const std::string& message,
                  const std::string& code = "invalid_value");
// The default error for a status httplib produced by itself (no handler):
// 400 malformed request, 404 unknown path, 413 body too large, ...
ApiError defaultErrorFor(int status, const std::string& method, const std::string& path);
// An engine or queue error as an answer: BadRequest -> 400 (param guessed
// from the message), OutOfMemory / Model* / Io / Internal -> 500,
// Cancelled -> 503.
ApiError fromEngineError(const Error& error);

}  // namespace fd::api
