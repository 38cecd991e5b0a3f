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

RequestContext& currentRequestContext() {
  thread_local RequestContext context;
  return context;
}

void sendJson(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

void sendError(httplib::Response& res, const api::ApiError& error) {
  sendJson(res, error.status, api::errorBody(error));
  currentRequestContext().errorCode = error.code.empty() ? error.type : error.code;
}

ApiServer::ApiServer(JobQueue* queue, QObject* parent) : QObject(parent), impl_(std::make_unique<Impl>()) {
  registerServiceMetaTypes();
  impl_->owner = this;
  impl_->queue = queue;
}

ApiServer::~ApiServer() { stop(); }

Status ApiServer::start(const ApiServerConfig& config) {
  if (impl_->running) return makeError(ErrorKind::BadRequest, "the API server is already running");
  if (config.port < 0 || config.port > 65535) {
    return makeError(ErrorKind::BadRequest, "the API port must be 0 to 65535, not " + std::to_string(config.port));
  }
  if (config.host.empty()) return makeError(ErrorKind::BadRequest, "the API host is empty");
  if (config.maxBodyBytes < 1024 || config.maxPromptChars < 1 || config.requestTimeoutSeconds < 1) {
    return makeError(ErrorKind::BadRequest, "the API limits must be positive (body at least 1024 bytes)");
  }
  impl_->config = config;
  impl_->stopping = false;

  auto server = std::make_unique<httplib::Server>();
  const int threads = impl_->queue->capacity() + kHttpThreadsBeyondQueue;
  server->new_task_queue = [threads] { return new httplib::ThreadPool(size_t(threads)); };
  server->set_payload_max_length(config.maxBodyBytes);
  // Idle keep-alive connections hold stop() up to this long.
  server->set_keep_alive_timeout(2);
  server->set_read_timeout(10);
  server->set_write_timeout(30);
  server->set_tcp_nodelay(true);
  // httplib's default sets SO_REUSEPORT, which lets a second server (the
  // GUI and `serve` at once) bind the same port and silently share its
  // clients. SO_REUSEADDR alone still allows a quick restart.
  server->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const char*>(&yes), sizeof(yes));
  });
  server->set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    RequestContext& context = currentRequestContext();
    context = RequestContext{};
    context.start = std::chrono::steady_clock::now();
    context.started = true;
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Statuses httplib sets by itself (unknown path, malformed request line,
  // oversize body) get an OpenAI error body too.
  httplib::Server::HandlerWithResponse errorHandler = [](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    sendError(res, api::defaultErrorFor(res.status, req.method, req.path.substr(0, 200)));
    return httplib::Server::HandlerResponse::Handled;
  };
  server->set_error_handler(std::move(errorHandler));
  server->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
    std::string what = "unknown exception";
    try {
      if (error) std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    api::ApiError api = api::defaultErrorFor(500, "", "");
    api.message = "Internal server error: " + what;
    sendError(res, api);
  });
  Impl* impl = impl_.get();
  server->set_logger([impl](const httplib::Request& req, const httplib::Response& res) { impl->logRequest(req, res); });
  impl_->installRoutes(*server);

  int port = config.port;
  bool bound = false;
  if (port == 0) {
    port = server->bind_to_any_port(config.host);
    bound = port > 0;
  } else {
    bound = server->bind_to_port(config.host, port);
  }
  if (!bound) {
    return makeError(ErrorKind::Io, "cannot listen on " + config.host + ":" + std::to_string(config.port) +
                                        ": the port is in use or the address does not belong to this machine");
  }
  impl_->port = port;
  impl_->startedAt = QDateTime::currentSecsSinceEpoch();
  impl_->server = std::move(server);
  httplib::Server* raw = impl_->server.get();
  impl_->thread = std::thread([raw] { raw->listen_after_bind(); });
  // httplib's stop() does nothing until listening has begun; wait for it so
  // that an immediate stop() cannot leave the thread running forever.
  for (int i = 0; i < 5000 && !raw->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  impl_->running = true;
  qCInfo(lcApi).noquote() << "serving on" << baseUrl();
  for (const QString& warning : warnings()) qCWarning(lcApi).noquote() << warning;
  emit runningChanged(true);
  return Status::success();
}

void ApiServer::stop() {
  if (!impl_->running.exchange(false)) return;
  impl_->stopping = true;  // waiting handlers cancel their jobs and answer at once
  impl_->server->stop();   // closes the listening socket
  if (impl_->thread.joinable()) impl_->thread.join();  // returns once every connection thread has
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
  return QString::fromStdString("http://" + hostForUrl(impl_->config.host) + ":" + std::to_string(impl_->port.load()));
}

QString ApiServer::curlExample() const {
  QString example = QStringLiteral("curl %1/v1/images/generations \\\n  -H \"Content-Type: application/json\" \\\n")
                        .arg(baseUrl());
  if (!impl_->config.apiKey.empty()) {
    example += QStringLiteral("  -H \"Authorization: Bearer %1\" \\\n").arg(QString::fromStdString(impl_->config.apiKey));
  }
  example += QStringLiteral(
      "  -d '{\"prompt\": \"A photo of an astronaut riding a horse on Mars.\", \"size\": \"1024x1024\", "
      "\"model\": \"black-forest-labs/FLUX-1-schnell\", \"n\": 1}'");
  return example;
}

QStringList ApiServer::warnings() const {
  QStringList list;
  const ApiServerConfig& c = impl_->config;
  if (!api::isLoopbackBindAddress(c.host)) {
    list << QStringLiteral("The API listens on %1, not only on this machine: other computers on the network can "
                           "reach it.")
                .arg(QString::fromStdString(c.host));
    if (c.apiKey.empty()) list << QStringLiteral("No API key is set: anyone who can reach the port can generate images.");
  }
  for (const auto& origin : c.allowedOrigins) {
    if (origin == "*") list << QStringLiteral("CORS allows every origin: any web page you open can use the API.");
  }
  return list;
}

void ApiServer::Impl::logRequest(const httplib::Request& req, const httplib::Response& res) {
  RequestContext& context = currentRequestContext();
  const auto now = std::chrono::steady_clock::now();
  const double seconds =
      context.started ? std::chrono::duration<double>(now - context.start).count() : 0.0;
  ApiLogEntry entry;
  entry.time = QDateTime::currentDateTimeUtc().addMSecs(-qint64(seconds * 1000));
  entry.remote = printable(req.remote_addr) + ":" + QString::number(req.remote_port);
  entry.method = printable(req.method.empty() ? std::string("-") : req.method, 16);
  entry.path = printable(req.path.empty() ? std::string("-") : req.path);
  entry.user = printable(context.user, 64);
  entry.size = printable(context.size, 16);
  entry.n = context.n;
  entry.status = res.status;
  entry.seconds = seconds;
  entry.error = printable(context.errorCode, 40);
  context = RequestContext{};
  qCInfo(lcApi).noquote() << entry.toLine();
  emit owner->requestLogged(entry);
}

}  // namespace fd
