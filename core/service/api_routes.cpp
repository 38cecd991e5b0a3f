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
#include "service/connection_watch.h"
#include "service/job_queue.h"

Q_DECLARE_LOGGING_CATEGORY(lcApi)

namespace fd {

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(100);
const char* const kGeneratePaths[] = {R"(/v1/images/generations/?)", R"(/v1/openai/images/generations/?)"};
const char* const kReadPaths[] = {R"(/v1/models/?)", R"(/v1/models/.+)", R"(/health/?)"};

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

void methodNotAllowed(const httplib::Request& req, httplib::Response& res, const char* allow) {
  res.set_header("Allow", allow);
  sendError(res, api::defaultErrorFor(405, req.method, req.path.substr(0, 200)));
}

}  // namespace

void ApiServer::Impl::installRoutes(httplib::Server& server) {
  for (const char* path : kGeneratePaths) {
    server.Post(path, [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
      handleGenerate(req, res, reader);
    });
    auto notAllowed = [](const httplib::Request& req, httplib::Response& res) { methodNotAllowed(req, res, "POST, OPTIONS"); };
    server.Get(path, notAllowed).Put(path, notAllowed).Patch(path, notAllowed).Delete(path, notAllowed);
  }
  server.Get(R"(/v1/models/?)", [this](const httplib::Request& req, httplib::Response& res) { handleModels(req, res); });
  server.Get(R"(/v1/models/.+)", [this](const httplib::Request& req, httplib::Response& res) { handleModel(req, res); });
  server.Get(R"(/health/?)", [this](const httplib::Request& req, httplib::Response& res) { handleHealth(req, res); });
  for (const char* path : kReadPaths) {
    auto notAllowed = [](const httplib::Request& req, httplib::Response& res) { methodNotAllowed(req, res, "GET, HEAD, OPTIONS"); };
    server.Post(path, notAllowed).Put(path, notAllowed).Patch(path, notAllowed).Delete(path, notAllowed);
  }
  server.Options(R"(.*)", [this](const httplib::Request& req, httplib::Response& res) { handlePreflight(req, res); });
}

bool ApiServer::Impl::admit(const httplib::Request& req, httplib::Response& res, bool needsKey) {
  const std::string host = req.get_header_value("Host");
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
  const std::string origin = req.get_header_value("Origin");
  if (!origin.empty()) {
    if (!api::isAllowedOrigin(origin, config.allowedOrigins)) {
      sendError(res, makeApiError(403, "Requests from web pages are refused unless their origin is in the server's "
                                       "allowed origins.",
                                  "origin_not_allowed"));
      return false;
    }
    res.set_header("Access-Control-Allow-Origin", origin);
    res.set_header("Access-Control-Expose-Headers", "Retry-After");
    res.set_header("Vary", "Origin");
  }
  if (needsKey && !config.apiKey.empty()) {
    auto key = api::presentedApiKey(req.get_header_value("Authorization"), req.get_header_value("x-api-key"));
    if (!key || !api::constantTimeEquals(*key, config.apiKey)) {
      res.set_header("WWW-Authenticate", "Bearer");
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

void ApiServer::Impl::handlePreflight(const httplib::Request& req, httplib::Response& res) {
  const std::string origin = req.get_header_value("Origin");
  if (origin.empty()) {  // a plain OPTIONS: say what exists
    if (!admit(req, res, false)) return;
    res.set_header("Allow", "GET, HEAD, POST, OPTIONS");
    res.status = 204;
    return;
  }
  if (!admit(req, res, false)) return;  // refuses origins not configured, without CORS headers
  res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Api-Key");
  res.set_header("Access-Control-Max-Age", "600");
  res.status = 204;
}

void ApiServer::Impl::handleModels(const httplib::Request& req, httplib::Response& res) {
  if (!admit(req, res, true)) return;
  sendJson(res, 200, api::modelsResponseBody(queue->modelInfo(), startedAt));
}

void ApiServer::Impl::handleModel(const httplib::Request& req, httplib::Response& res) {
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

void ApiServer::Impl::handleHealth(const httplib::Request& req, httplib::Response& res) {
  if (!admit(req, res, false)) return;
  nlohmann::json body{{"status", "ok"},
                      {"model", api::apiModelId(queue->modelInfo())},
                      {"ready", queue->engine().isReady()},
                      {"queue", {{"pending", queue->pendingCount()}, {"capacity", queue->capacity()}}}};
  sendJson(res, 200, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void ApiServer::Impl::handleGenerate(const httplib::Request& req, httplib::Response& res,
                                     const httplib::ContentReader& reader) {
  RequestContext& context = currentRequestContext();
  if (req.is_multipart_form_data()) {  // refused unread: httplib would parse it as a form
    res.set_header("Connection", "close");
    sendError(res, makeApiError(415, "The body must be JSON (Content-Type: application/json).", "unsupported_media_type"));
    return;
  }
  // Read at most maxBodyBytes ourselves: httplib limits Content-Length
  // bodies (413 before reading) but not chunked ones.
  std::string body;
  bool tooLarge = false;
  const size_t limit = config.maxBodyBytes;
  bool read = reader([&](const char* data, size_t length) {
    if (body.size() + length > limit) {
      tooLarge = true;
      return false;
    }
    body.append(data, length);
    return true;
  });
  if (tooLarge || res.status == 413) {
    res.set_header("Connection", "close");
    sendError(res, makeApiError(413, "The request body is larger than " + std::to_string(limit) + " bytes.",
                                "payload_too_large"));
    return;
  }
  if (!read) {
    sendError(res, makeApiError(400, "The request body could not be read.", "invalid_body"));
    return;
  }
  if (!admit(req, res, true)) return;
  if (mediaType(req.get_header_value("Content-Type")) != "application/json") {
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
  context.user = request.user;
  context.size = std::to_string(request.generation.width) + "x" + std::to_string(request.generation.height);
  context.n = request.generation.count;
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
      res.set_header("Retry-After", std::to_string(queue->estimatedWaitSeconds()));
      sendError(res, makeApiError(429, "The image queue is full (" + std::to_string(queue->capacity()) +
                                           " jobs). Try again in a few seconds.",
                                  "queue_full", "rate_limit_error"));
      return;
    }
    sendError(res, api::fromEngineError(submission.error.value_or(Error())));
    return;
  }

  const api::ConnectionWatch watch = api::ConnectionWatch::find(req.remote_addr, req.remote_port, req.local_port);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config.requestTimeoutSeconds);
  std::optional<JobOutcome> outcome;
  while (!(outcome = waiter->waitFor(kPollInterval))) {
    if (stopping) {
      queue->cancel(submission.id);
      res.set_header("Connection", "close");
      sendError(res, makeApiError(503, "The server is stopping; the job was cancelled.", "server_stopping", "server_error"));
      return;
    }
    if (watch.peerClosed()) {
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
