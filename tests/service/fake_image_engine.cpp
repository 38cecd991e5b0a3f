#include "service/fake_image_engine.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace fd::test {

FakeImageEngine::FakeImageEngine() = default;

uint8_t FakeImageEngine::pixel(uint64_t seed, int x, int y, int c) {
  return uint8_t((seed * 37 + uint64_t(x) * 3 + uint64_t(y) * 5 + uint64_t(c) * 71) & 0xff);
}

ModelInfo FakeImageEngine::info() const {
  ModelInfo info;
  info.name = "Fake FLUX";
  info.id = "fluxdesk-fake";
  info.defaultSteps = 4;
  info.maxSteps = 4;
  info.device = "cpu";
  info.dtype = "float32";
  return info;
}

Status FakeImageEngine::validate(const GenerationRequest& request) const {
  return validateRequest(request, info());
}

void FakeImageEngine::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  gateOpen_ = false;
}

void FakeImageEngine::open() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    gateOpen_ = true;
  }
  changed_.notify_all();
}

bool FakeImageEngine::waitUntilBlocked(int timeoutMs) {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, std::chrono::milliseconds(timeoutMs), [this] { return blocked_; });
}

std::vector<std::string> FakeImageEngine::ranPrompts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return prompts_;
}

std::vector<QThread*> FakeImageEngine::ranOnThreads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return threads_;
}

int FakeImageEngine::calls() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return int(prompts_.size());
}

Result<GenerationResult> FakeImageEngine::generate(const GenerationRequest& request,
                                                   const ProgressCallback& progress,
                                                   const CancelCheck& cancel) {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    prompts_.push_back(request.prompt);
    threads_.push_back(QThread::currentThread());
    blocked_ = !gateOpen_;
    changed_.notify_all();
    while (!gateOpen_ && !(cancel && cancel()))
      changed_.wait_for(lock, std::chrono::milliseconds(5));
    blocked_ = false;
  }
  if (failNext.exchange(false))
    return makeError(ErrorKind::Internal, "the fake engine was told to fail");
  if (Status valid = validate(request); !valid) return valid.error();

  GenerationResult result;
  result.request = request;
  if (!result.request.seed) result.request.seed = 1000;
  if (result.request.steps == 0) result.request.steps = info().defaultSteps;
  result.modelName = info().name;
  // Like the tokenizers report it: one token per word plus the end token.
  int words = 0;
  bool inWord = false;
  for (char c : request.prompt) {
    const bool space = c == ' ' || c == '\t' || c == '\n';
    words += !space && !inWord;
    inWord = !space;
  }
  result.prompt.t5Tokens = words + 1;
  result.prompt.clipTokens = words + 2;
  for (int step = 1; step <= result.request.steps; ++step) {
    if (cancel && cancel())
      return makeError(ErrorKind::Cancelled, "cancelled at step " + std::to_string(step));
    if (stepDelayMs > 0) std::this_thread::sleep_for(std::chrono::milliseconds(stepDelayMs.load()));
    Progress report;
    report.stage = Stage::Denoising;
    report.step = step;
    report.totalSteps = result.request.steps;
    report.stepSeconds = stepDelayMs / 1000.0;
    // A preview per image, as the real pipeline sends (an eighth of the
    // size): flat grey that brightens with each step, so tests can tell steps apart.
    auto preview = std::make_shared<LatentPreview>();
    preview->width = std::max(1, request.width / 8);
    preview->height = std::max(1, request.height / 8);
    preview->count = request.count;
    preview->rgb.assign(size_t(request.count) * preview->imageBytes(),
                        uint8_t(std::min(255, 40 * step)));
    report.preview = preview;
    if (progress) progress(report);
  }
  // As the real pipeline: a cancel during the last step still ends the job.
  if (cancel && cancel()) return makeError(ErrorKind::Cancelled, "cancelled after the last step");
  for (int i = 0; i < request.count; ++i) {
    GeneratedImage image;
    image.width = request.width;
    image.height = request.height;
    image.seed = *result.request.seed + uint64_t(i);
    image.rgb.resize(size_t(image.width) * size_t(image.height) * 3);
    for (int y = 0; y < image.height; ++y) {
      for (int x = 0; x < image.width; ++x) {
        for (int c = 0; c < 3; ++c)
          image.rgb[(size_t(y) * size_t(image.width) + size_t(x)) * 3 + size_t(c)] =
              pixel(image.seed, x, y, c);
      }
    }
    result.images.push_back(std::move(image));
  }
  result.times.totalSeconds = 0.01;
  return result;
}

}  // namespace fd::test
