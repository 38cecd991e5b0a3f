// POST /v1/images/generations and /v1/images/edits (also under
// /v1/openai/): the request is parsed and validated, queued, then answered
// whole (JSON) or streamed as server-sent events with partial images from
// the sampler's previews.
#include <QDateTime>
#include <QLoggingCategory>
#include <QStringList>
#include <chrono>
#include <memory>

#include "pipeline/image_scale.h"
#include "pipeline/result_settings.h"
#include "service/api_edit_request.h"
#include "service/api_job_watch.h"
#include "service/api_request.h"
#include "service/api_response.h"
#include "service/api_server_impl.h"
#include "service/api_stream_events.h"
#include "service/http_syntax.h"
#include "service/job_queue.h"

Q_DECLARE_LOGGING_CATEGORY(lcApi)

namespace fd {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollInterval = std::chrono::milliseconds(100);
// A streamed answer sends a comment this often when it has nothing else to
// send: a client that left then makes the send fail, and the job stops.
constexpr auto kKeepAliveInterval = std::chrono::seconds(1);

api::ApiError stoppingError() {
  return api::makeApiError(503, "The server is stopping; the job was cancelled.", "server_stopping",
                           "server_error");
}

api::ApiError timeoutError(int seconds) {
  return api::makeApiError(503,
                           "The image was not ready within " + std::to_string(seconds) +
                               " seconds; the job was cancelled.",
                           "timeout", "server_error");
}

api::ApiError goneError() {
  // Nobody reads this; 499 (as nginx logs it) marks the line in the log.
  return api::makeApiError(499, "The client closed the connection; the job was cancelled.",
                           "client_disconnected", "server_error");
}

// The error a finished job that made no images answers with.
api::ApiError failedJobError(const JobOutcome& outcome, bool stopping) {
  if (stopping && outcome.state == JobState::Cancelled) return stoppingError();
  return api::fromEngineError(
      outcome.error.value_or(makeError(ErrorKind::Internal, "the job ended without a result")));
}

api::OutputOptions outputOptionsOf(const api::ImageRequest& request) {
  api::OutputOptions output;
  output.format = request.outputFormat;
  output.compression = request.compression;
  output.quality = api::reportedQuality(request.quality);
  output.safetyIdentifier = request.user;
  return output;
}

}  // namespace

void ApiServer::Impl::handleGenerate(const http::Request& req, http::Response& res,
                                     http::Exchange& exchange) {
  // The server read the body within its limits (413 beyond) after
  // admitHead's checks.
  if (http::mediaType(req.header("Content-Type")) != "application/json") {
    sendError(res, api::makeApiError(
                       415, "The body must be JSON sent with 'Content-Type: application/json'.",
                       "unsupported_media_type"));
    return;
  }

  api::ParseOptions options;
  options.loraFolder = config.loraFolder;
  api::ParsedRequest parsed =
      api::parseImageRequest(req.body, queue->modelInfo(), queue->engine().isReady(), options);
  if (!parsed.ok()) {
    sendError(res, parsed.error);
    return;
  }
  runImageRequest(*parsed.request, "image_generation", res, exchange);
}

void ApiServer::Impl::handleEdit(const http::Request& req, http::Response& res,
                                 http::Exchange& exchange) {
  // admitHead let only multipart/form-data with a boundary through.
  const auto boundary = http::formBoundary(req.header("Content-Type"));
  if (!boundary) {
    sendError(res, api::makeApiError(
                       415,
                       "The body must be multipart/form-data with a boundary (as the SDKs send "
                       "images.edit).",
                       "unsupported_media_type"));
    return;
  }
  const http::ParsedForm form = http::parseMultipartForm(req.body, *boundary);
  if (!form.ok()) {
    sendError(res,
              api::badField("", "The form could not be read: " + form.error + ".", "invalid_form"));
    return;
  }
  api::ParseOptions options;
  options.loraFolder = config.loraFolder;
  api::ParsedRequest parsed =
      api::parseEditRequest(form, queue->modelInfo(), queue->engine().isReady(), options);
  if (!parsed.ok()) {
    sendError(res, parsed.error);
    return;
  }
  runImageRequest(*parsed.request, "image_edit", res, exchange);
}

void ApiServer::Impl::runImageRequest(const api::ImageRequest& request, const std::string& events,
                                      http::Response& res, http::Exchange& exchange) {
  res.logUser = request.user;
  res.logSize =
      std::to_string(request.generation.width) + "x" + std::to_string(request.generation.height);
  res.logN = request.generation.count;
  if (!request.ignoredFields.empty()) {
    QStringList names;
    for (const auto& name : request.ignoredFields) names << QString::fromStdString(name).left(64);
    qCInfo(lcApi).noquote() << "ignoring unknown request fields:"
                            << names.join(QStringLiteral(", "));
  }

  // partial_images only means something in a stream.
  auto watch = std::make_shared<api::JobWatch>(request.stream ? request.partialImages : 0);
  JobQueue::Submission submission = queue->submit(
      request.generation, job_source::api(),
      [watch](const JobOutcome& outcome) { watch->onOutcome(outcome); },
      [watch](const Progress& progress) { watch->onProgress(progress); });
  if (!submission.ok()) {
    if (submission.queueFull) {
      res.setHeader("Retry-After", std::to_string(queue->estimatedWaitSeconds()));
      sendError(res,
                api::makeApiError(429,
                                  "The image queue is full (" + std::to_string(queue->capacity()) +
                                      " jobs). Try again in a few seconds.",
                                  "queue_full", "rate_limit_error"));
      return;
    }
    sendError(res, api::fromEngineError(submission.error.value_or(Error())));
    return;
  }
  if (request.stream) {
    streamGeneration(request, events, submission.id, *watch, res, exchange);
  } else {
    answerGeneration(request, submission.id, *watch, res, exchange);
  }
}

void ApiServer::Impl::answerGeneration(const api::ImageRequest& request, JobId id,
                                       api::JobWatch& watch, http::Response& res,
                                       http::Exchange& exchange) {
  const auto deadline = Clock::now() + std::chrono::seconds(config.requestTimeoutSeconds);
  std::optional<JobOutcome> outcome;
  while (!(outcome = watch.waitFor(kPollInterval).outcome)) {
    if (stopping) {
      queue->cancel(id);
      res.close = true;
      sendError(res, stoppingError());
      return;
    }
    if (exchange.clientGone()) {
      queue->cancel(id);
      sendError(res, goneError());
      return;
    }
    if (Clock::now() > deadline) {
      queue->cancel(id);
      sendError(res, timeoutError(config.requestTimeoutSeconds));
      return;
    }
  }
  if (outcome->state != JobState::Done) {
    sendError(res, failedJobError(*outcome, stopping));
    return;
  }
  Result<std::string> answer =
      api::imagesResponseBody(*outcome->result, queue->modelInfo(), outputOptionsOf(request),
                              QDateTime::currentSecsSinceEpoch());
  if (!answer) {
    sendError(res, api::fromEngineError(answer.error()));
    return;
  }
  sendJson(res, 200, answer.value());
}

void ApiServer::Impl::streamGeneration(const api::ImageRequest& request, const std::string& events,
                                       JobId id, api::JobWatch& watch, http::Response& res,
                                       http::Exchange& exchange) {
  res.status = 200;
  res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
  res.setHeader("Cache-Control", "no-cache");
  res.setHeader("X-Accel-Buffering", "no");  // proxies in front must not hold events back
  const api::OutputOptions output = outputOptionsOf(request);
  const GenerationRequest& generation = request.generation;
  auto image = [&](int index, std::string b64, int width, int height) {
    api::StreamedImage streamed;
    streamed.eventPrefix = events;
    streamed.b64 = std::move(b64);
    streamed.width = width;
    streamed.height = height;
    streamed.outputFormat = imageFormatName(output.format);
    streamed.quality = output.quality;
    streamed.createdAt = QDateTime::currentSecsSinceEpoch();
    streamed.imageIndex = index;
    streamed.safetyIdentifier = output.safetyIdentifier;
    return streamed;
  };
  // An error after the head went out can only be an event; the log line
  // still gets its status.
  auto fail = [&](const api::ApiError& error) {
    exchange.send(api::errorEvent(error));
    res.logError = error.code;
    if (error.status == 499) res.logError = "client_disconnected";
  };

  if (!exchange.beginStream(res)) {
    queue->cancel(id);
    res.logError = "client_disconnected";
    return;
  }
  const auto deadline = Clock::now() + std::chrono::seconds(config.requestTimeoutSeconds);
  auto lastSend = Clock::now();
  while (true) {
    api::JobWatch::Update update = watch.waitFor(kPollInterval);
    for (const api::JobWatch::Preview& preview : update.previews) {
      const LatentPreview& small = *preview.images;
      for (int i = 0; i < small.count; ++i) {
        // The eighth-size preview brought to the request's size: partial
        // images are the size of the final one, as OpenAI's are.
        const std::vector<uint8_t> rgb = scaleRgbBilinear(small.image(i), small.width, small.height,
                                                          generation.width, generation.height);
        Result<std::string> b64 =
            api::base64Image(rgb.data(), generation.width, generation.height, nullptr, output);
        if (!b64) {
          queue->cancel(id);
          return fail(api::fromEngineError(b64.error()));
        }
        if (!exchange.send(api::partialImageEvent(
                image(i, std::move(*b64), generation.width, generation.height), preview.index))) {
          queue->cancel(id);
          res.logError = "client_disconnected";
          return;
        }
        lastSend = Clock::now();
      }
    }
    if (update.outcome) {
      const JobOutcome& outcome = *update.outcome;
      if (outcome.state != JobState::Done) return fail(failedJobError(outcome, stopping));
      const GenerationResult& result = *outcome.result;
      const ModelInfo model = queue->modelInfo();
      for (size_t i = 0; i < result.images.size(); ++i) {
        const GeneratedImage& made = result.images[i];
        const ImageSettings settings = imageSettingsFor(result, i, model);
        Result<std::string> b64 =
            api::base64Image(made.rgb.data(), made.width, made.height, &settings, output);
        if (!b64) return fail(api::fromEngineError(b64.error()));
        const int64_t inputTokens = i == 0 ? api::promptTokens(result) : 0;
        if (!exchange.send(api::completedEvent(
                image(int(i), std::move(*b64), made.width, made.height), made.seed, inputTokens,
                api::imageTokens(made.width, made.height)))) {
          res.logError = "client_disconnected";
          return;
        }
      }
      return;
    }
    if (stopping) {
      queue->cancel(id);
      res.close = true;
      return fail(stoppingError());
    }
    if (Clock::now() > deadline) {
      queue->cancel(id);
      return fail(timeoutError(config.requestTimeoutSeconds));
    }
    if (Clock::now() - lastSend >= kKeepAliveInterval) {
      if (!exchange.send(api::keepAliveComment()) || exchange.clientGone()) {
        queue->cancel(id);
        res.logError = "client_disconnected";
        return;
      }
      lastSend = Clock::now();
    }
  }
}

}  // namespace fd
