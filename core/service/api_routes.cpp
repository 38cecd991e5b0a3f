// The endpoints of ApiServer and the checks in front of them.
#include <QDateTime>
#include <QLoggingCategory>
#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "service/api_model_names.h"
#include "service/api_response.h"
#include "service/api_security.h"
#include "service/api_server_impl.h"
#include "service/http_syntax.h"
#include "service/job_queue.h"
#include "service/multipart_form.h"

Q_DECLARE_LOGGING_CATEGORY(lcApi)

namespace fd {

namespace {

enum class Route { Generate, Edit, Models, Model, Health, Options, Unknown };

bool stripSlash(const std::string& path, const std::string& base) {
  return path == base || path == base + "/";
}

Route routeOf(const std::string& path) {
  if (stripSlash(path, "/v1/images/generations") ||
      stripSlash(path, "/v1/openai/images/generations")) {
    return Route::Generate;
  }
  if (stripSlash(path, "/v1/images/edits") || stripSlash(path, "/v1/openai/images/edits"))
    return Route::Edit;
  if (stripSlash(path, "/v1/models")) return Route::Models;
  if (path.size() > 11 && path.compare(0, 11, "/v1/models/") == 0 && path != "/v1/models/")
    return Route::Model;
  if (stripSlash(path, "/health")) return Route::Health;
  return Route::Unknown;
}

bool isKnownMethod(const std::string& method) {
  for (const char* m :
       {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}) {
    if (method == m) return true;
  }
  return false;
}

void methodNotAllowed(const http::Request& req, http::Response& res, const char* allow) {
  res.setHeader("Allow", allow);
  sendError(res, api::defaultErrorFor(405, req.method, req.path.substr(0, 200)));
}

}  // namespace

bool ApiServer::Impl::admitHead(const http::Request& req, http::Response& res) {
  const std::string& method = req.method;
  if (!isKnownMethod(method)) {
    sendError(res, api::makeApiError(501, "Method " + method.substr(0, 32) + " is not implemented.",
                                     "not_implemented"));
    return false;
  }
  if (method == "OPTIONS") return true;  // handlePreflight, with its own checks
  const Route route = req.path == "*" ? Route::Unknown : routeOf(req.path);
  if (method == "TRACE" || method == "CONNECT") {
    methodNotAllowed(req, res,
                     route == Route::Generate ? "POST, OPTIONS" : "GET, HEAD, POST, OPTIONS");
    return false;
  }
  if (route == Route::Unknown) {
    sendError(res, api::defaultErrorFor(404, method, req.path.substr(0, 200)));
    return false;
  }
  if (route == Route::Generate || route == Route::Edit) {
    if (method != "POST") {
      methodNotAllowed(req, res, "POST, OPTIONS");
      return false;
    }
  } else if (method != "GET" && method != "HEAD") {
    methodNotAllowed(req, res, "GET, HEAD, OPTIONS");
    return false;
  }
  if (!admit(req, res, route != Route::Health)) return false;
  if (route == Route::Generate &&
      http::mediaType(req.header("Content-Type")) == "multipart/form-data") {
    sendError(res, api::makeApiError(415, "The body must be JSON (Content-Type: application/json).",
                                     "unsupported_media_type"));
    return false;
  }
  if (route == Route::Edit) {
    // Only a form may be large (the picture and its mask), and only after
    // the key and Host checks above.
    if (!http::formBoundary(req.header("Content-Type"))) {
      sendError(res, api::makeApiError(
                         415,
                         "The body must be multipart/form-data with the image file (as the SDKs' "
                         "images.edit sends it).",
                         "unsupported_media_type"));
      return false;
    }
    res.bodyLimit = config.maxUploadBytes;
  }
  return true;
}

void ApiServer::Impl::handle(const http::Request& req, http::Response& res,
                             http::Exchange& exchange) {
  if (req.method == "OPTIONS") return handlePreflight(req, res);
  switch (routeOf(req.path)) {
    case Route::Generate: return handleGenerate(req, res, exchange);
    case Route::Edit: return handleEdit(req, res, exchange);
    case Route::Models: return handleModels(req, res);
    case Route::Model: return handleModel(req, res);
    case Route::Health: return handleHealth(req, res);
    default: sendError(res, api::defaultErrorFor(404, req.method, req.path.substr(0, 200)));
  }
}

bool ApiServer::Impl::admit(const http::Request& req, http::Response& res, bool needsKey) {
  const std::string host = req.header("Host");
  if (host.empty()) {
    sendError(res, api::makeApiError(400, "The Host header is required.", "missing_host"));
    return false;
  }
  if (!api::isAllowedHost(host, port, config.host, config.allowedHosts)) {
    sendError(res,
              api::makeApiError(
                  403,
                  "This server answers only requests addressed to this machine (Host: localhost or "
                  "127.0.0.1 with its port); the Host header names another (a guard against DNS "
                  "rebinding). Add the name to the allowed hosts to use it.",
                  "host_not_allowed"));
    return false;
  }
  const std::string origin = req.header("Origin");
  if (!origin.empty()) {
    if (!api::isAllowedOrigin(origin, config.allowedOrigins)) {
      sendError(res,
                api::makeApiError(
                    403,
                    "Requests from web pages are refused unless their origin is in the server's "
                    "allowed origins.",
                    "origin_not_allowed"));
      return false;
    }
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Access-Control-Expose-Headers", "Retry-After");
    res.setHeader("Vary", "Origin");
  }
  if (needsKey && !config.apiKey.empty()) {
    auto key = api::presentedApiKey(req.header("Authorization"), req.header("x-api-key"));
    if (!key || !api::constantTimeEquals(*key, config.apiKey)) {
      res.setHeader("WWW-Authenticate", "Bearer");
      sendError(
          res, api::makeApiError(
                   401,
                   key ? "Incorrect API key provided."
                       : "You didn't provide an API key. Send it as 'Authorization: Bearer KEY' or "
                         "'x-api-key: KEY'.",
                   "invalid_api_key"));
      return false;
    }
  }
  return true;
}

void ApiServer::Impl::handlePreflight(const http::Request& req, http::Response& res) {
  const std::string origin = req.header("Origin");
  if (origin.empty()) {  // a plain OPTIONS: say what exists
    if (!admit(req, res, false)) return;
    res.setHeader("Allow", "GET, HEAD, POST, OPTIONS");
    res.status = 204;
    return;
  }
  if (!admit(req, res, false)) return;  // refuses origins not configured, without CORS headers
  res.setHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  res.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Api-Key");
  res.setHeader("Access-Control-Max-Age", "600");
  res.status = 204;
}

void ApiServer::Impl::handleModels(const http::Request& req, http::Response& res) {
  if (!admit(req, res, true)) return;
  sendJson(res, 200, api::modelsResponseBody(queue->modelInfo(), startedAt));
}

void ApiServer::Impl::handleModel(const http::Request& req, http::Response& res) {
  if (!admit(req, res, true)) return;
  const std::string id = req.path.substr(std::string("/v1/models/").size());
  const ModelInfo model = queue->modelInfo();
  if (!api::isAcceptedModelName(id, model, queue->engine().isReady())) {
    api::ApiError error = api::makeApiError(
        404, "The model '" + id.substr(0, 100) + "' does not exist here.", "model_not_found");
    error.param = "model";
    sendError(res, error);
    return;
  }
  sendJson(res, 200, api::modelObjectBody(model, startedAt));
}

void ApiServer::Impl::handleHealth(const http::Request& req, http::Response& res) {
  if (!admit(req, res, false)) return;
  nlohmann::json body{
      {"status", "ok"},
      {"model", api::apiModelId(queue->modelInfo())},
      {"ready", queue->engine().isReady()},
      {"queue", {{"pending", queue->pendingCount()}, {"capacity", queue->capacity()}}}};
  sendJson(res, 200, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace fd
