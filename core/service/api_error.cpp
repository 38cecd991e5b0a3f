#include "service/api_error.h"

#include <nlohmann/json.hpp>
#include <utility>

namespace fd::api {

std::string errorBody(const ApiError& error) {
  nlohmann::json body;
  nlohmann::json& e = body["error"];
  e["message"] = error.message;
  e["type"] = error.type;
  e["param"] = error.param.empty() ? nlohmann::json(nullptr) : nlohmann::json(error.param);
  e["code"] = error.code.empty() ? nlohmann::json(nullptr) : nlohmann::json(error.code);
  // Messages may quote client text: never let a stray byte throw here.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ApiError makeApiError(int status, std::string message, std::string code, std::string type) {
  ApiError error;
  error.status = status;
  error.message = std::move(message);
  error.code = std::move(code);
  error.type = std::move(type);
  return error;
}

ApiError badField(const std::string& param, const std::string& message, const std::string& code) {
  ApiError error;
  error.status = 400;
  error.message = message;
  error.param = param;
  error.code = code;
  return error;
}

ApiError defaultErrorFor(int status, const std::string& method, const std::string& path) {
  ApiError error;
  error.status = status;
  switch (status) {
    case 404:
      error.message = "Unknown path '" + path +
                      "'. FluxDesk serves POST /v1/images/generations "
                      "(also /v1/openai/images/generations), GET /v1/models and GET /health.";
      error.code = "not_found";
      break;
    case 405:
      error.message = "Method " + method + " is not allowed on '" + path + "'.";
      error.code = "method_not_allowed";
      break;
    case 413:
      error.message = "The request body is too large.";
      error.code = "payload_too_large";
      break;
    case 414:
      error.message = "The request URI is too long.";
      error.code = "uri_too_long";
      break;
    case 416:
      error.message = "Range requests are not supported.";
      error.code = "range_not_satisfiable";
      break;
    case 500:
      error.message = "Internal server error.";
      error.type = "server_error";
      error.code = "internal_error";
      break;
    case 503:
      error.message = "The server is not available.";
      error.type = "server_error";
      error.code = "server_unavailable";
      break;
    default:
      error.message = "The request could not be understood.";
      error.code = "bad_request";
      break;
  }
  return error;
}

namespace {

// The engine names fields as GenerationRequest does; the API's are OpenAI's.
std::string paramFromMessage(const std::string& message) {
  struct Hint {
    const char* word;
    const char* param;
  };
  static const Hint hints[] = {{"prompt", "prompt"}, {"width", "size"},       {"height", "size"},
                               {"size", "size"},     {"count", "n"},          {"steps", "steps"},
                               {"seed", "seed"},     {"guidance", "guidance"}};
  for (const Hint& hint : hints) {
    if (message.find(hint.word) != std::string::npos) return hint.param;
  }
  return "";
}

}  // namespace

ApiError fromEngineError(const Error& error) {
  ApiError api;
  api.message = error.message;
  switch (error.kind) {
    case ErrorKind::BadRequest:
      api.status = 400;
      api.param = paramFromMessage(error.message);
      api.code = "invalid_value";
      break;
    case ErrorKind::Cancelled:
      api.status = 503;
      api.type = "server_error";
      api.code = "cancelled";
      api.message = "The job was cancelled before it finished (" + error.message + ").";
      break;
    case ErrorKind::OutOfMemory:
      api.status = 500;
      api.type = "server_error";
      api.code = "out_of_memory";
      break;
    case ErrorKind::ModelMissing:
    case ErrorKind::ModelInvalid:
      api.status = 500;
      api.type = "server_error";
      api.code = "model_unavailable";
      break;
    case ErrorKind::Busy:
      api.status = 429;
      api.type = "rate_limit_error";
      api.code = "queue_full";
      break;
    case ErrorKind::Network:
    case ErrorKind::AccessDenied:
    case ErrorKind::Io:
    case ErrorKind::Internal:
      api.status = 500;
      api.type = "server_error";
      api.code = "engine_error";
      break;
  }
  return api;
}

}  // namespace fd::api
