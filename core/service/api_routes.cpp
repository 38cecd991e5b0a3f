// The endpoints of ApiServer and the checks in front of them.
#include <QDateTime>
#include <QLoggingCategory>
#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "service/api_model_names.h"
#include "service/api_request.h"
#include "service/api_response.h"
#include "service/api_security.h"
#include "service/api_server_impl.h"
#include "service/job_queue.h"

Q_DECLARE_LOGGING_CATEGORY(lcApi)

namespace fd {

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(100);

enum class Route { Generate, Models, Model, Health, Options, Unknown };

bool stripSlash(const std::string& path, const std::string& base) { return path == base || path == base + "/"; }

Route routeOf(const std::string& path) {
  if (stripSlash(path, "/v1/images/generations") || stripSlash(path, "/v1/openai/images/generations")) {
    return Route::Generate;
  }
  if (stripSlash(path, "/v1/models")) return Route::Models;
  if (path.size() > 11 && path.compare(0, 11, "/v1/models/") == 0 && path != "/v1/models/") return Route::Model;
  if (stripSlash(path, "/health")) return Route::Health;
  return Route::Unknown;
}

bool isKnownMethod(const std::string& method) {
  for (const char* m : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}) {
    if (method == m) return true;
  }
  return false;
}

// The answer to a waiting request, handed over by the queue's worker.
class Waiter {
 public:
  void set(const JobOutcome& outcome) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      outcome_ = outcome;
    }
    ready_.notify_all();
  }
  std::optional<JobOutcome> waitFor(std::chrono::milliseconds duration) {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait_for(lock, duration, [this] { return outcome_.has_value(); });
    return outcome_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::optional<JobOutcome> outcome_;
};

api::ApiError makeApiError(int status, std::string message, std::string code,
                           std::string type = "invalid_request_error") {
  api::ApiError error;
  error.status = status;
  error.message = std::move(message);
  error.code = std::move(code);
  error.type = std::move(type);
  return error;
}

std::string mediaType(const std::string& contentType) {
  std::string type = contentType.substr(0, contentType.find(';'));
  type.erase(0, type.find_first_not_of(" \t"));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return type;
}

void methodNotAllowed(const http::Request& req, http::Response& res, const char* allow) {
  res.setHeader("Allow", allow);
  sendError(res, api::defaultErrorFor(405, req.method, req.path.substr(0, 200)));
}

}  // namespace

bool ApiServer::Impl::admitHead(const http::Request& req, http::Response& res) {
  const std::string& method = req.method;
  if (!isKnownMethod(method)) {
    sendError(res, makeApiError(501, "Method " + method.substr(0, 32) + " is not implemented.", "not_implemented"));
    return false;
  }
  if (method == "OPTIONS") return true;  // handlePreflight, with its own checks
  const Route route = req.path == "*" ? Route::Unknown : routeOf(req.path);
  if (method == "TRACE" || method == "CONNECT") {
    methodNotAllowed(req, res, route == Route::Generate ? "POST, OPTIONS" : "GET, HEAD, POST, OPTIONS");
    return false;
  }
  if (route == Route::Unknown) {
    sendError(res, api::defaultErrorFor(404, method, req.path.substr(0, 200)));
    return false;
  }
  if (route == Route::Generate) {
    if (method != "POST") {
      methodNotAllowed(req, res, "POST, OPTIONS");
      return false;
    }
  } else if (method != "GET" && method != "HEAD") {
    methodNotAllowed(req, res, "GET, HEAD, OPTIONS");
    return false;
  }
  if (!admit(req, res, route != Route::Health)) return false;
  if (route == Route::Generate && mediaType(req.header("Content-Type")) == "multipart/form-data") {
    sendError(res, makeApiError(415, "The body must be JSON (Content-Type: application/json).", "unsupported_media_type"));
    return false;
  }
  return true;
}

void ApiServer::Impl::handle(const http::Request& req, http::Response& res, const http::ClientProbe& probe) {
  if (req.method == "OPTIONS") return handlePreflight(req, res);
  switch (routeOf(req.path)) {
    case Route::Generate: return handleGenerate(req, res, probe);
    case Route::Models: return handleModels(req, res);
    case Route::Model: return handleModel(req, res);
    case Route::Health: return handleHealth(req, res);
    default: sendError(res, api::defaultErrorFor(404, req.method, req.path.substr(0, 200)));
  }
}

bool ApiServer::Impl::admit(const http::Request& req, http::Response& res, bool needsKey) {
  const std::string host = req.header("Host");
  if (host.empty()) {
    sendError(res, makeApiError(400, "The Host header is required.", "missing_host"));
    return false;
  }
  if (!api::isAllowedHost(host, port, config.host, config.allowedHosts)) {
    sendError(res, makeApiError(403,
                                "This server answers only requests addressed to this machine (Host: localhost or "
                                "127.0.0.1 with its port); the Host header names another (a guard against DNS "
                                "rebinding). Add the name to the allowed hosts to use it.",
                                "host_not_allowed"));
    return false;
  }
  const std::string origin = req.header("Origin");
  if (!origin.empty()) {
    if (!api::isAllowedOrigin(origin, config.allowedOrigins)) {
      sendError(res, makeApiError(403, "Requests from web pages are refused unless their origin is in the server's "
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
      sendError(res, makeApiError(401,
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
    api::ApiError error = makeApiError(404, "The model '" + id.substr(0, 100) + "' does not exist here.", "model_not_found");
    error.param = "model";
    sendError(res, error);
    return;
  }
  sendJson(res, 200, api::modelObjectBody(model, startedAt));
}

void ApiServer::Impl::handleHealth(const http::Request& req, http::Response& res) {
  if (!admit(req, res, false)) return;
  nlohmann::json body{{"status", "ok"},
                      {"model", api::apiModelId(queue->modelInfo())},
                      {"ready", queue->engine().isReady()},
                      {"queue", {{"pending", queue->pendingCount()}, {"capacity", queue->capacity()}}}};
  sendJson(res, 200, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void ApiServer::Impl::handleGenerate(const http::Request& req, http::Response& res,
                                     const http::ClientProbe& probe) {
  // The server read the body within its limits (413 beyond) after
  // admitHead's checks.
  const std::string& body = req.body;
  if (mediaType(req.header("Content-Type")) != "application/json") {
    sendError(res, makeApiError(415, "The body must be JSON sent with 'Content-Type: application/json'.",
                                "unsupported_media_type"));
    return;
  }

  const ModelInfo model = queue->modelInfo();
  api::RequestLimits limits;
  limits.maxPromptChars = config.maxPromptChars;
  api::ParsedRequest parsed = api::parseImageRequest(body, model, queue->engine().isReady(), limits);
  if (!parsed.ok()) {
    sendError(res, parsed.error);
    return;
  }
  const api::ImageRequest& request = *parsed.request;
  res.logUser = request.user;
  res.logSize = std::to_string(request.generation.width) + "x" + std::to_string(request.generation.height);
  res.logN = request.generation.count;
  if (!request.ignoredFields.empty()) {
    QStringList names;
    for (const auto& name : request.ignoredFields) names << QString::fromStdString(name).left(64);
    qCInfo(lcApi).noquote() << "ignoring unknown request fields:" << names.join(QStringLiteral(", "));
  }

  auto waiter = std::make_shared<Waiter>();
  JobQueue::Submission submission =
      queue->submit(request.generation, job_source::api(), [waiter](const JobOutcome& outcome) { waiter->set(outcome); });
  if (!submission.ok()) {
    if (submission.queueFull) {
      res.setHeader("Retry-After", std::to_string(queue->estimatedWaitSeconds()));
      sendError(res, makeApiError(429, "The image queue is full (" + std::to_string(queue->capacity()) +
                                           " jobs). Try again in a few seconds.",
                                  "queue_full", "rate_limit_error"));
      return;
    }
    sendError(res, api::fromEngineError(submission.error.value_or(Error())));
    return;
  }

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config.requestTimeoutSeconds);
  std::optional<JobOutcome> outcome;
  while (!(outcome = waiter->waitFor(kPollInterval))) {
    if (stopping) {
      queue->cancel(submission.id);
      res.close = true;
      sendError(res, makeApiError(503, "The server is stopping; the job was cancelled.", "server_stopping", "server_error"));
      return;
    }
    if (probe.clientGone()) {
      queue->cancel(submission.id);
      // Nobody reads this; 499 (as nginx logs it) marks the line in the log.
      sendError(res, makeApiError(499, "The client closed the connection; the job was cancelled.",
                                  "client_disconnected", "server_error"));
      return;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      queue->cancel(submission.id);
      sendError(res, makeApiError(503, "The image was not ready within " + std::to_string(config.requestTimeoutSeconds) +
                                           " seconds; the job was cancelled.",
                                  "timeout", "server_error"));
      return;
    }
  }

  if (outcome->state != JobState::Done) {
    Error error = outcome->error.value_or(makeError(ErrorKind::Internal, "the job ended without a result"));
    if (stopping && outcome->state == JobState::Cancelled) {
      sendError(res, makeApiError(503, "The server is stopping; the job was cancelled.", "server_stopping", "server_error"));
      return;
    }
    sendError(res, api::fromEngineError(error));
    return;
  }
  Result<std::string> answer = api::imagesResponseBody(*outcome->result, queue->modelInfo(), request.outputFormat,
                                                       request.jpegQuality, QDateTime::currentSecsSinceEpoch());
  if (!answer) {
    sendError(res, api::fromEngineError(answer.error()));
    return;
  }
  sendJson(res, 200, answer.value());
}

}  // namespace fd
