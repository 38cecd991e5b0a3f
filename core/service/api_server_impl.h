#pragma once
// Internals of ApiServer, shared by api_server.cpp (start/stop, the log)
// and api_routes.cpp (the endpoints and their checks). The server itself
// is http::Server (http_server.h): strict HTTP/1.1 with hard limits and
// deadlines in front of these routes.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "service/api_error.h"
#include "service/api_server.h"
#include "service/http_server.h"
#include "service/job_types.h"

namespace fd {

namespace api {
struct ImageRequest;
class JobWatch;
}  // namespace api

struct ApiServer::Impl {
  ApiServer* owner = nullptr;
  JobQueue* queue = nullptr;
  ApiServerConfig config;  // written by start() before the threads exist
  std::unique_ptr<http::Server> server;
  std::atomic<bool> running{false};
  std::atomic<bool> stopping{false};
  std::atomic<int> port{0};
  int64_t startedAt = 0;  // unix time, the `created` of /v1/models

  // api_routes.cpp
  // Before the body is read: the path and method, then the Host, Origin
  // and key checks; false after filling the answer.
  bool admitHead(const http::Request& req, http::Response& res);
  // A whole request that admitHead let through.
  void handle(const http::Request& req, http::Response& res, http::Exchange& exchange);
  // The Host, Origin and key checks; false after answering the request.
  bool admit(const http::Request& req, http::Response& res, bool needsKey);

  // api_generate.cpp: POST .../images/generations (JSON) and
  // .../images/edits (multipart/form-data), answered whole or streamed as
  // server-sent events.
  void handleGenerate(const http::Request& req, http::Response& res, http::Exchange& exchange);
  void handleEdit(const http::Request& req, http::Response& res, http::Exchange& exchange);
  // Queues a parsed request and answers it; `events`: "image_generation" or "image_edit".
  void runImageRequest(const api::ImageRequest& request, const std::string& events,
                       http::Response& res, http::Exchange& exchange);
  void answerGeneration(const api::ImageRequest& request, JobId id, api::JobWatch& watch,
                        http::Response& res, http::Exchange& exchange);
  void streamGeneration(const api::ImageRequest& request, const std::string& events, JobId id,
                        api::JobWatch& watch, http::Response& res, http::Exchange& exchange);
  void handleModels(const http::Request& req, http::Response& res);
  void handleModel(const http::Request& req, http::Response& res);
  void handleHealth(const http::Request& req, http::Response& res);
  void handlePreflight(const http::Request& req, http::Response& res);

  // api_server.cpp
  void logRequest(const http::Request& req, const http::Response& res, double seconds);
};

// Writes the OpenAI error body and status (and remembers the code for the log).
void sendError(http::Response& res, const api::ApiError& error);
void sendJson(http::Response& res, int status, const std::string& body);

}  // namespace fd
