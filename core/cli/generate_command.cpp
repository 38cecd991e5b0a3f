// fluxdesk-cli generate: prompt in, images (with their settings inside) out.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "cli/arg_parser.h"
#include "cli/commands.h"
#include "cli/engine_args.h"
#include "cli/progress_bar.h"
#include "pipeline/image_io.h"
#include "pipeline/request_validation.h"
#include "pipeline/result_settings.h"

namespace fd::cli {

namespace {

const char* kCommand = "generate";

// Ctrl-C asks the pipeline to stop after the current step; a second Ctrl-C
// ends the process the usual way.
std::atomic<bool> interrupted{false};
void onInterrupt(int) {
  interrupted = true;
  std::signal(SIGINT, SIG_DFL);
}

struct GenerateArgs {
  GenerationRequest request;
  std::string outputFolder;
  ImageFormat format = ImageFormat::Png;
  int jpegQuality = 95;
};

Result<GenerateArgs> requestFrom(const ArgParser& p) {
  GenerateArgs g;
  auto& r = g.request;
  auto prompt = p.value("prompt");
  if (!prompt) return makeError(ErrorKind::BadRequest, "--prompt TEXT is required");
  r.prompt = *prompt;
  if (auto v = p.value("size")) {
    auto size = parseSizeOption("--size", *v);
    if (!size) return size.error();
    r.width = size->first;
    r.height = size->second;
  }
  if (auto v = p.value("count")) {
    auto n = parseIntOption("-n", *v, 1, kMaxImagesPerRequest);
    if (!n) return n.error();
    r.count = *n;
  }
  if (auto v = p.value("seed")) {
    auto seed = parseSeedOption("--seed", *v);
    if (!seed) return seed.error();
    r.seed = *seed;
  }
  if (auto v = p.value("steps")) {
    // 0 would mean "the model's default" to the engine; on the command line
    // leaving --steps out says that, so 0 is an error here.
    auto steps = parseIntOption("--steps", *v, 1, 1000);
    if (!steps) return steps.error();
    r.steps = *steps;
  }
  if (auto v = p.value("guidance")) {
    auto guidance = parseDoubleOption("--guidance", *v);
    if (!guidance) return guidance.error();
    r.guidance = *guidance;
  }
  auto out = p.value("output");
  if (!out) return makeError(ErrorKind::BadRequest, "-o OUTDIR is required (the folder for the images)");
  g.outputFolder = *out;
  if (auto v = p.value("format")) {
    auto format = imageFormatFromName(*v);
    if (!format) return makeError(ErrorKind::BadRequest, "--format: '" + *v + "' is not png or jpeg");
    g.format = *format;
  }
  if (auto v = p.value("jpeg-quality")) {
    auto q = parseIntOption("--jpeg-quality", *v, 1, 100);
    if (!q) return q.error();
    g.jpegQuality = *q;
  }
  return g;
}

void warnAboutTruncation(const PromptReport& report) {
  if (report.clipTruncated)
    std::fprintf(stderr, "note: the prompt has %d CLIP tokens; CLIP reads only the first %d\n", report.clipTokens,
                 report.clipLimit);
  if (report.t5Truncated)
    std::fprintf(stderr, "warning: the prompt has %d T5 tokens; only the first %d are used\n", report.t5Tokens,
                 report.t5Limit);
}

}  // namespace

int runGenerate(const Args& args) {
  ArgParser parser(kCommand, "Generates images from a prompt and saves them with their settings inside.");
  addEngineOptions(parser);
  parser.option("prompt", "p", "TEXT", "what to draw");
  parser.option("size", "s", "WxH", "image size, multiples of 16 in 256..2048 (default 1024x1024)");
  parser.option("count", "n", "N", "images, 1..4, run as one batch (default 1)");
  parser.option("seed", "", "S", "seed of the first image; image i uses S+i (default: random, printed)");
  parser.option("steps", "", "K", "denoising steps (default: the model's, 4 for schnell)");
  parser.option("guidance", "", "G", "guidance for guidance-distilled models (FLUX.1-dev) only");
  parser.option("format", "", "png|jpeg", "file format (default png)");
  parser.option("jpeg-quality", "", "Q", "JPEG quality 1..100 (default 95)");
  parser.option("output", "o", "OUTDIR", "folder for the images (created when missing)");
  if (auto s = parser.parse(args); !s) return fail(kCommand, s.error());
  if (parser.helpRequested()) {
    std::fputs(parser.usage().c_str(), stdout);
    return kExitOk;
  }
  auto location = modelLocationFrom(parser);
  if (!location) return fail(kCommand, location.error());
  auto options = engineOptionsFrom(parser);
  if (!options) return fail(kCommand, options.error());
  auto g = requestFrom(parser);
  if (!g) return fail(kCommand, g.error());

  // Size, count and prompt do not depend on the model: check them before a
  // possibly long load (steps and guidance are checked once it is known).
  ModelInfo anyModel;
  anyModel.name = "any model";
  anyModel.maxSteps = 1000;
  anyModel.guidanceDistilled = true;
  if (auto s = validateRequest(g->request, anyModel); !s) return fail(kCommand, s.error());

  std::error_code ec;
  std::filesystem::create_directories(g->outputFolder, ec);
  if (ec) return fail(kCommand, makeError(ErrorKind::Io, "cannot create '" + g->outputFolder + "': " + ec.message()));

  int exitCode = kExitOk;
  auto pipeline = loadPipeline(kCommand, *location, *options, false, exitCode);
  if (!pipeline) return exitCode;
  std::fprintf(stderr, "model: %s\n", describeModelLine(pipeline->info(), *options).c_str());
  if (auto s = pipeline->validate(g->request); !s) return fail(kCommand, s.error());

  interrupted = false;
  std::signal(SIGINT, onInterrupt);
  ProgressBar bar;
  auto result = pipeline->generate(
      g->request, [&](const Progress& p) { bar.update(p); }, [] { return interrupted.load(); });
  bar.finish();
  std::signal(SIGINT, SIG_DFL);
  if (!result) return fail(kCommand, result.error());
  warnAboutTruncation(result->prompt);
  if (!g->request.seed) std::fprintf(stderr, "seed: %llu (random)\n", static_cast<unsigned long long>(*result->request.seed));

  const std::string stamp = localDateTimeStamp();
  for (size_t i = 0; i < result->images.size(); ++i) {
    const auto& image = result->images[i];
    ImageSettings settings = imageSettingsFor(*result, i, pipeline->info());
    std::string path = uniqueImagePath(g->outputFolder, imageFileStem(stamp, image.seed, g->request.prompt), g->format);
    if (auto s = saveImage(path, image.rgb.data(), image.width, image.height, g->format, settings, g->jpegQuality); !s)
      return fail(kCommand, s.error());
    std::printf("%s  seed %llu  %dx%d  %.2f s\n", path.c_str(), static_cast<unsigned long long>(image.seed),
                image.width, image.height, result->times.totalSeconds);
  }
  return kExitOk;
}

}  // namespace fd::cli
