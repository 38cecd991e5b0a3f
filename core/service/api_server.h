#pragma once
// The local OpenAI-compatible image API (issue 7): POST
// /v1/images/generations (and /v1/openai/images/generations), GET
// /v1/models, GET /health. It runs http::Server (http_server.h: strict
// HTTP/1.1 with hard limits and deadlines, one I/O thread and a pool of
// workers) and submits to the same JobQueue as the GUI, so API jobs show in the queue
// and their images in the library, marked "api".
//
// start() and stop() are called from the owning (GUI) thread and may be
// repeated. stop() while a request waits cancels its job and answers it 503
// (or drops the connection); it never waits for the engine. The queue must
// outlive the server.

#include <QObject>
#include <QString>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "service/api_log_entry.h"
#include "service/service_metatypes.h"

namespace fd {

class JobQueue;

struct ApiServerConfig {
  std::string host = "127.0.0.1";           // another address is a warning (see start())
  int port = 8000;                          // 0: any free port (see ApiServer::port())
  std::string apiKey;                       // empty: no key needed
  std::vector<std::string> allowedOrigins;  // CORS; empty: no CORS headers at all
  std::vector<std::string> allowedHosts;    // extra Host header names beyond loopback
  size_t maxBodyBytes = 64 * 1024;
  size_t maxUploadBytes = 32ull << 20;  // /v1/images/edits: the picture, its mask and the fields
  std::string loraFolder;               // where `loras` names its files ("": none)
  int requestTimeoutSeconds = 600;  // waiting plus generating; then 503 and the job is cancelled
};

class ApiServer : public QObject {
  Q_OBJECT
 public:
  explicit ApiServer(JobQueue* queue, QObject* parent = nullptr);
  ~ApiServer() override;  // stop()

  // Binds now (so "address in use" is reported here, naming the address)
  // and serves on a thread. Fails when already running.
  Status start(const ApiServerConfig& config);
  void stop();
  bool isRunning() const;

  ApiServerConfig config() const;
  int port() const;         // the bound port (useful with port 0); 0 when stopped
  QString baseUrl() const;  // "http://127.0.0.1:8000" (the host as a client writes it)
  // A ready-to-paste curl command for the generation endpoint.
  QString curlExample() const;
  // Warnings about the configuration (e.g. bound beyond loopback, no key).
  QStringList warnings() const;

 signals:
  // Every answered request, without prompts or image data (emitted from
  // the server's threads; a GUI receiver gets it queued).
  void requestLogged(const fd::ApiLogEntry& entry);
  void runningChanged(bool running);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fd
