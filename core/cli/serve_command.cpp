// fluxdesk-cli serve: the OpenAI-compatible image API without the desktop
// app. The same JobQueue, ImageLibrary and ApiServer as the GUI's toggle.
#include <unistd.h>

#include <QCoreApplication>
#include <QEventLoop>
#include <QSocketNotifier>
#include <QString>
#include <csignal>
#include <cstdio>

#include "cli/arg_parser.h"
#include "cli/commands.h"
#include "cli/engine_args.h"
#include "service/api_security.h"
#include "service/api_server.h"
#include "service/image_library.h"
#include "service/job_queue.h"
#include "service/pipeline_engine.h"

namespace fd::cli {

namespace {

const char* kCommand = "serve";

// SIGINT/SIGTERM write a byte here; a QSocketNotifier on the other end
// quits the event loop (nothing else is safe inside a signal handler).
int signalPipe[2] = {-1, -1};

void onStopSignal(int) {
  const char byte = 1;
  ssize_t ignored = ::write(signalPipe[1], &byte, 1);
  (void)ignored;
}

void installStopSignals() {
  struct sigaction action {};
  action.sa_handler = onStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

std::vector<std::string> commaList(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item.erase(0, item.find_first_not_of(' '));
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) items.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

Result<ApiServerConfig> serverConfigFrom(const ArgParser& p, int& queueCapacity) {
  ApiServerConfig config;
  if (auto v = p.value("host")) config.host = *v;
  if (auto v = p.value("port")) {
    auto port = parseIntOption("--port", *v, 0, 65535);
    if (!port) return port.error();
    config.port = *port;
  }
  if (auto v = p.value("api-key")) {
    if (v->empty()) return makeError(ErrorKind::BadRequest, "--api-key: the key is empty");
    config.apiKey = *v;
  }
  if (p.isSet("generate-api-key")) {
    if (!config.apiKey.empty())
      return makeError(ErrorKind::BadRequest,
                       "--generate-api-key and --api-key exclude each other");
    config.apiKey = api::generateApiKey();
  }
  if (auto v = p.value("allow-origin")) config.allowedOrigins = commaList(*v);
  if (auto v = p.value("allow-host")) config.allowedHosts = commaList(*v);
  if (auto v = p.value("lora-dir")) config.loraFolder = *v;
  if (auto v = p.value("timeout")) {
    auto seconds = parseIntOption("--timeout", *v, 1, 86400);
    if (!seconds) return seconds.error();
    config.requestTimeoutSeconds = *seconds;
  }
  if (auto v = p.value("queue")) {
    auto capacity = parseIntOption("--queue", *v, 1, 256);
    if (!capacity) return capacity.error();
    queueCapacity = *capacity;
  }
  return config;
}

// Loads the model on the queue's worker before serving, so a wrong folder
// fails here and /v1/models names the real model from the first request.
Status loadModel(JobQueue& queue) {
  Status status;
  QEventLoop loop;
  QObject::connect(&queue, &JobQueue::engineProgress, &loop, [](const Progress& p) {
    if (!p.message.empty()) std::fprintf(stderr, "loading: %s\n", p.message.c_str());
  });
  QObject::connect(&queue, &JobQueue::engineReady, &loop,
                   [&loop](const ModelInfo&) { loop.quit(); });
  QObject::connect(&queue, &JobQueue::engineFailed, &loop, [&](const Error& error) {
    status = error;
    loop.quit();
  });
  queue.warmUp();
  loop.exec();
  return status;
}

}  // namespace

int runServe(const Args& args) {
  ArgParser p(
      kCommand,
      "Serve the OpenAI-compatible image API (POST /v1/images/generations) on this machine.");
  addEngineOptions(p);
  p.option("host", "", "ADDR",
           "address to listen on (default 127.0.0.1; another makes the API reachable from other "
           "machines)");
  p.option("port", "", "PORT", "TCP port (default 8000; 0 picks a free one)");
  p.option("api-key", "", "KEY", "require this key (Authorization: Bearer KEY, or x-api-key: KEY)");
  p.flag("generate-api-key", "make a random key, print it and require it");
  p.option("library", "", "DIR", "folder where every image is kept (default: Pictures/FluxDesk)");
  p.option("allow-origin", "", "LIST",
           "comma-separated web origins allowed to call the API (CORS); none by default");
  p.option("allow-host", "", "LIST",
           "comma-separated Host names to accept besides localhost and 127.0.0.1");
  p.option("lora-dir", "", "DIR",
           "folder of LoRA files that requests may name in \"loras\" (none by default)");
  p.option("queue", "", "N", "jobs waiting or running at most; more get 429 (default 16)");
  p.option("timeout", "", "SECONDS", "longest wait for one request, queue included (default 600)");
  if (Status parsed = p.parse(args); !parsed) {
    std::fprintf(stderr, "fluxdesk-cli %s: %s\n\n%s", kCommand, parsed.error().message.c_str(),
                 p.usage().c_str());
    return kExitBadRequest;
  }
  if (p.helpRequested()) {
    std::printf("%s", p.usage().c_str());
    return kExitOk;
  }
  auto location = modelLocationFrom(p);
  if (!location) return fail(kCommand, location.error());
  auto options = engineOptionsFrom(p);
  if (!options) return fail(kCommand, options.error());
  int queueCapacity = 16;
  auto config = serverConfigFrom(p, queueCapacity);
  if (!config) return fail(kCommand, config.error());

  static int qtArgc = 1;
  static char qtArg0[] = "fluxdesk-cli";
  static char* qtArgv[] = {qtArg0, nullptr};
  QCoreApplication app(qtArgc, qtArgv);

  ImageLibrary library(p.value("library") ? QString::fromStdString(*p.value("library"))
                                          : defaultLibraryFolder());
  if (Status open = library.openStatus(); !open) return fail(kCommand, open.error());
  auto engine = std::make_shared<PipelineEngine>(location.value(), options.value());
  JobQueue queue(engine, &library, queueCapacity);

  if (Status loaded = loadModel(queue); !loaded) return fail(kCommand, loaded.error());
  std::printf("model: %s\n", describeModelLine(engine->info(), options.value()).c_str());

  if (::pipe(signalPipe) != 0)
    return fail(kCommand, makeError(ErrorKind::Internal, "cannot create a pipe"));
  installStopSignals();
  QSocketNotifier stopNotifier(signalPipe[0], QSocketNotifier::Read);
  QObject::connect(&stopNotifier, &QSocketNotifier::activated, &app, [&app] { app.quit(); });

  ApiServer server(&queue);
  if (Status started = server.start(config.value()); !started)
    return fail(kCommand, started.error());
  for (const QString& warning : server.warnings())
    std::fprintf(stderr, "warning: %s\n", qPrintable(warning));
  std::printf("FluxDesk API listening on %s\n", qPrintable(server.baseUrl()));
  std::printf("images are kept in %s\n", qPrintable(library.folder()));
  if (p.isSet("generate-api-key")) std::printf("API key: %s\n", config->apiKey.c_str());
  std::printf("try:\n%s\n", qPrintable(server.curlExample()));
  std::printf("Ctrl+C stops the server.\n");
  std::fflush(stdout);

  app.exec();
  std::printf("stopping...\n");
  std::fflush(stdout);
  server.stop();  // answers waiting clients, cancels their jobs
  queue.cancelAll();
  ::close(signalPipe[0]);
  ::close(signalPipe[1]);
  return kExitOk;
}

}  // namespace fd::cli
