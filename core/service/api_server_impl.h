#pragma once
// Internals of ApiServer, shared by api_server.cpp (start/stop, the log)
// and api_routes.cpp (the endpoints and their checks). The only service
// header that includes httplib.h.

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "service/api_error.h"
#include "service/api_server.h"

namespace fd {

// What the log line needs about the request a connection thread is
// answering: set by the handlers, read by httplib's logger callback (which
// runs on the same thread right after the answer is written).
struct RequestContext {
  std::chrono::steady_clock::time_point start;
  bool started = false;
  std::string user;
  std::string size;
  int n = 0;
  std::string errorCode;
};
RequestContext& currentRequestContext();  // thread_local

struct ApiServer::Impl {
  ApiServer* owner = nullptr;
  JobQueue* queue = nullptr;
  ApiServerConfig config;  // written by start() before the threads exist
  std::unique_ptr<httplib::Server> server;
  std::thread thread;
  std::atomic<bool> running{false};
  std::atomic<bool> stopping{false};
  std::atomic<int> port{0};
  int64_t startedAt = 0;  // unix time, the `created` of /v1/models

  // api_routes.cpp
  void installRoutes(httplib::Server& server);
  // The Host, Origin and key checks; false after answering the request.
  bool admit(const httplib::Request& req, httplib::Response& res, bool needsKey);
  void handleGenerate(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
  void handleModels(const httplib::Request& req, httplib::Response& res);
  void handleModel(const httplib::Request& req, httplib::Response& res);
  void handleHealth(const httplib::Request& req, httplib::Response& res);
  void handlePreflight(const httplib::Request& req, httplib::Response& res);

  // api_server.cpp
  void logRequest(const httplib::Request& req, const httplib::Response& res);
};

// Writes the OpenAI error body and status (and remembers the code for the log).
void sendError(httplib::Response& res, const api::ApiError& error);
void sendJson(httplib::Response& res, int status, const std::string& body);

}  // namespace fd
