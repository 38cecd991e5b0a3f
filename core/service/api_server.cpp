#include "service/api_server.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QStringList>

#include "service/api_security.h"
#include "service/api_server_impl.h"
#include "service/job_queue.h"
#include "service/service_metatypes.h"

Q_LOGGING_CATEGORY(lcApi, "fluxdesk.api")

namespace fd {

namespace {

constexpr int kHttpThreadsBeyondQueue = 4;  // so /health and 429s answer while the queue is full

// Client text in a log line: printable ASCII only, bounded.
QString printable(const std::string& text, size_t limit = 120) {
  std::string clean;
  for (unsigned char c : text.substr(0, limit)) clean += (c < 0x20 || c >= 0x7f) ? '?' : char(c);
  return QString::fromLatin1(clean.data(), int(clean.size()));
}

std::string hostForUrl(const std::string& host) {
  if (host == "0.0.0.0" || host.empty()) return "127.0.0.1";
  if (host == "::") return "[::1]";
  if (host.find(':') != std::string::npos && host.front() != '[') return "[" + host + "]";
  return host;
}

}  // namespace

void sendJson(http::Response& res, int status, const std::string& body) {
  res.status = status;
  res.body = body;
  res.setHeader("Content-Type", "application/json");
}

void sendError(http::Response& res, const api::ApiError& error) {
  // OpenAI's SDKs retry 5xx answers unless told not to: the same request
  // runs out of memory again, and a timed-out job took its full time once.
  // 429 (queue full) stays retryable, with Retry-After.
  if (error.status >= 500) res.setHeader("x-should-retry", "false");
  sendJson(res, error.status, api::errorBody(error));
  res.logError = error.code.empty() ? error.type : error.code;
}

ApiServer::ApiServer(JobQueue* queue, QObject* parent)
    : QObject(parent), impl_(std::make_unique<Impl>()) {
  registerServiceMetaTypes();
  impl_->owner = this;
  impl_->queue = queue;
}

ApiServer::~ApiServer() { stop(); }

Status ApiServer::start(const ApiServerConfig& config) {
  if (impl_->running) return makeError(ErrorKind::BadRequest, "the API server is already running");
  if (config.port < 0 || config.port > 65535) {
    return makeError(ErrorKind::BadRequest,
                     "the API port must be 0 to 65535, not " + std::to_string(config.port));
  }
  if (config.host.empty()) return makeError(ErrorKind::BadRequest, "the API host is empty");
  if (config.maxBodyBytes < 1024 || config.maxUploadBytes < config.maxBodyBytes ||
      config.requestTimeoutSeconds < 1) {
    return makeError(ErrorKind::BadRequest,
                     "the API limits must be positive (body at least 1024 bytes)");
  }
  impl_->config = config;
  impl_->stopping = false;

  http::Limits limits;
  limits.maxBodyBytes = config.maxBodyBytes;
  limits.workers = impl_->queue->capacity() + kHttpThreadsBeyondQueue;
  Impl* impl = impl_.get();
  auto server = std::make_unique<http::Server>(
      limits,
      [impl](const http::Request& req, http::Response& res) { return impl->admitHead(req, res); },
      [impl](const http::Request& req, http::Response& res, http::Exchange& exchange) {
        impl->handle(req, res, exchange);
      },
      // Statuses the server sets by itself (malformed or oversize requests)
      // get an OpenAI error body too.
      [](const http::Request& req, http::Response& res) {
        api::ApiError error =
            api::defaultErrorFor(res.status, req.method.substr(0, 32), req.path.substr(0, 200));
        if (res.status == 431) {
          error.message = "The request header fields are too large or too many.";
          error.code = "headers_too_large";
        } else if (res.status == 501) {
          error.message =
              "Not implemented (only the chunked transfer coding and the methods GET, HEAD, POST, "
              "OPTIONS are).";
          error.code = "not_implemented";
        } else if (res.status == 408) {
          error.message = "The request was not received in time.";
          error.code = "request_timeout";
        } else if (res.status == 417) {
          error.message = "Only 'Expect: 100-continue' is supported.";
          error.code = "expectation_failed";
        } else if (res.status == 503) {
          error.message =
              "Too many uploads are being received at once; try again in a few seconds.";
          error.code = "uploads_busy";
          res.setHeader("Retry-After", "2");
        } else if (res.status == 505) {
          error.message = "Only HTTP/1.0 and HTTP/1.1 are supported.";
          error.code = "http_version_not_supported";
        }
        sendError(res, error);
      },
      [impl](const http::Request& req, const http::Response& res, double seconds) {
        impl->logRequest(req, res, seconds);
      });
  const int port = server->bind(config.host, config.port);
  if (port <= 0) {
    return makeError(ErrorKind::Io,
                     "cannot listen on " + config.host + ":" + std::to_string(config.port) +
                         ": the port is in use or the address does not belong to this machine");
  }
  impl_->port = port;
  impl_->startedAt = QDateTime::currentSecsSinceEpoch();
  impl_->server = std::move(server);
  impl_->server->start();
  impl_->running = true;
  qCInfo(lcApi).noquote() << "serving on" << baseUrl();
  for (const QString& warning : warnings()) qCWarning(lcApi).noquote() << warning;
  emit runningChanged(true);
  return Status::success();
}

void ApiServer::stop() {
  if (!impl_->running.exchange(false)) return;
  impl_->stopping = true;  // waiting handlers cancel their jobs and answer at once
  impl_->server->stop();   // closes every connection not being answered; waits for the answers
  impl_->server.reset();
  impl_->port = 0;
  impl_->stopping = false;
  qCInfo(lcApi) << "stopped";
  emit runningChanged(false);
}

bool ApiServer::isRunning() const { return impl_->running; }

ApiServerConfig ApiServer::config() const { return impl_->config; }

int ApiServer::port() const { return impl_->port; }

QString ApiServer::baseUrl() const {
  return QString::fromStdString("http://" + hostForUrl(impl_->config.host) + ":" +
                                std::to_string(impl_->port.load()));
}

QString ApiServer::curlExample() const {
  QString example =
      QStringLiteral(
          "curl %1/v1/images/generations \\\n  -H \"Content-Type: application/json\" \\\n")
          .arg(baseUrl());
  if (!impl_->config.apiKey.empty()) {
    example += QStringLiteral("  -H \"Authorization: Bearer %1\" \\\n")
                   .arg(QString::fromStdString(impl_->config.apiKey));
  }
  example += QStringLiteral(
      "  -d '{\"prompt\": \"A photo of an astronaut riding a horse on Mars.\", \"size\": "
      "\"1024x1024\", "
      "\"model\": \"black-forest-labs/FLUX-1-schnell\", \"n\": 1}'");
  return example;
}

QStringList ApiServer::warnings() const {
  QStringList list;
  const ApiServerConfig& c = impl_->config;
  if (!api::isLoopbackBindAddress(c.host)) {
    list << QStringLiteral(
                "The API listens on %1, not only on this machine: other computers on the network "
                "can "
                "reach it.")
                .arg(QString::fromStdString(c.host));
    if (c.apiKey.empty())
      list << QStringLiteral(
          "No API key is set: anyone who can reach the port can generate images.");
  }
  for (const auto& origin : c.allowedOrigins) {
    if (origin == "*")
      list << QStringLiteral("CORS allows every origin: any web page you open can use the API.");
  }
  return list;
}

void ApiServer::Impl::logRequest(const http::Request& req, const http::Response& res,
                                 double seconds) {
  ApiLogEntry entry;
  entry.time = QDateTime::currentDateTimeUtc().addMSecs(-qint64(seconds * 1000));
  entry.remote = printable(req.remoteAddress) + ":" + QString::number(req.remotePort);
  entry.method = printable(req.method.empty() ? std::string("-") : req.method, 16);
  entry.path = printable(req.path.empty() ? std::string("-") : req.path);
  entry.user = printable(res.logUser, 64);
  entry.size = printable(res.logSize, 16);
  entry.n = res.logN;
  entry.status = res.status;
  entry.seconds = seconds;
  entry.error = printable(res.logError, 40);
  qCInfo(lcApi).noquote() << entry.toLine();
  emit owner->requestLogged(entry);
}

}  // namespace fd
