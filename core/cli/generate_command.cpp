// fluxdesk-cli generate: prompt in, images (with their settings inside) out.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <tuple>

#include "cli/arg_parser.h"
#include "cli/commands.h"
#include "cli/engine_args.h"
#include "cli/progress_bar.h"
#include "pipeline/image_io.h"
#include "pipeline/mask_image.h"
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

// --image FILE and --mask FILE: the input picture and its inpainting mask
// (same size; see pipeline/mask_image.h for the two mask conventions).
Result<SourceImage> readSourceImage(const std::string& imagePath,
                                    const std::optional<std::string>& maskPath) {
  auto image = readImageFile(imagePath);
  if (!image) return makeError(ErrorKind::BadRequest, "--image: " + image.error().message);
  SourceImage source;
  source.width = image->width;
  source.height = image->height;
  source.rgb = std::move(image->rgb);
  source.name = std::filesystem::path(imagePath).filename().string();
  if (maskPath) {
    auto bytes = readFileBytes(*maskPath);
    if (!bytes) return makeError(ErrorKind::BadRequest, "--mask: " + bytes.error().message);
    auto mask = decodeMaskImage(*bytes);
    if (!mask)
      return makeError(ErrorKind::BadRequest, "--mask: " + *maskPath + ": " + mask.error().message);
    if (mask->width != source.width || mask->height != source.height)
      return makeError(ErrorKind::BadRequest,
                       "--mask is " + std::to_string(mask->width) + "x" +
                           std::to_string(mask->height) + " but the image is " +
                           std::to_string(source.width) + "x" + std::to_string(source.height) +
                           ": they must be the same size");
    source.mask = std::move(mask->repaint);
  }
  return source;
}

// --lora FILE[:SCALE]: the scale is what follows the last ':' when it is a
// number (a path may hold ':' itself).
Result<LoraSpec> parseLoraOption(const std::string& text) {
  LoraSpec lora;
  lora.path = text;
  const size_t colon = text.rfind(':');
  if (colon != std::string::npos && colon + 1 < text.size()) {
    auto scale = parseDoubleOption("--lora", text.substr(colon + 1));
    if (scale) {
      lora.path = text.substr(0, colon);
      lora.scale = *scale;
    }
  }
  if (lora.path.empty())
    return makeError(ErrorKind::BadRequest, "--lora needs a file (FILE or FILE:SCALE)");
  return lora;
}

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
    auto n = parseIntOption("-n", *v, 1, kRequestLimits.maxImagesPerRequest);
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
  if (auto v = p.value("strength")) {
    auto strength = parseDoubleOption("--strength", *v);
    if (!strength) return strength.error();
    r.strength = *strength;
  }
  for (const std::string& text : p.values("lora")) {
    auto lora = parseLoraOption(text);
    if (!lora) return lora.error();
    r.loras.push_back(*lora);
  }
  if (auto file = p.value("image")) {
    auto source = readSourceImage(*file, p.value("mask"));
    if (!source) return source.error();
    if (!p.value("size"))
      std::tie(r.width, r.height) = defaultSizeForSource(source->width, source->height);
    r.source = std::make_shared<const SourceImage>(std::move(*source));
  } else if (p.value("mask")) {
    return makeError(ErrorKind::BadRequest,
                     "--mask needs --image (the picture the mask belongs to)");
  }
  auto out = p.value("output");
  if (!out)
    return makeError(ErrorKind::BadRequest, "-o OUTDIR is required (the folder for the images)");
  g.outputFolder = *out;
  if (auto v = p.value("format")) {
    auto format = imageFormatFromName(*v);
    if (!format)
      return makeError(ErrorKind::BadRequest, "--format: '" + *v + "' is not png, jpeg or webp");
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
    std::fprintf(stderr, "note: the prompt has %d CLIP tokens; CLIP reads only the first %d\n",
                 report.clipTokens, report.clipLimit);
  if (report.t5Truncated)
    std::fprintf(stderr, "warning: the prompt has %d T5 tokens; only the first %d are used\n",
                 report.t5Tokens, report.t5Limit);
}

}  // namespace

int runGenerate(const Args& args) {
  ArgParser parser(kCommand,
                   "Generates images from a prompt and saves them with their settings inside.");
  addEngineOptions(parser);
  parser.option("prompt", "p", "TEXT", "what to draw");
  const RequestLimits& limits = kRequestLimits;
  parser.option("size", "s", "WxH",
                "image size, multiples of " + std::to_string(limits.sideMultiple) + " in " +
                    std::to_string(limits.minSide) + ".." + std::to_string(limits.maxSide) +
                    " (default 1024x1024)");
  parser.option("count", "n", "N",
                "images, 1.." + std::to_string(limits.maxImagesPerRequest) +
                    ", run as one batch (default 1)");
  parser.option("seed", "", "S",
                "seed of the first image; image i uses S+i (default: random, printed)");
  parser.option("steps", "", "K", "denoising steps (default: the model's, 4 for schnell)");
  parser.option("guidance", "", "G", "guidance for guidance-distilled models (FLUX.1-dev) only");
  parser.option(
      "lora", "", "FILE[:SCALE]",
      "a LoRA on the transformer (kohya, diffusers/PEFT, BFL/ComfyUI or XLabs .safetensors), scale "
      "default 1; repeat for several");
  parser.option("image", "", "FILE",
                "start from this picture (image-to-image; PNG, JPEG, WebP): scaled to cover --size "
                "and cropped "
                "in the middle; without --size, the picture's own size within the limits");
  parser.option("mask", "", "FILE",
                "inpaint: redraw only where the mask says (transparent pixels of a mask with "
                "alpha, as OpenAI; "
                "else white), same size as --image; pixels outside it stay the input's exactly");
  parser.option("strength", "", "S",
                "how much of --image is redrawn, 0..1 (default 0.85, 1.0 with --mask); with N "
                "steps the first "
                "int(N - N*S) are skipped, as diffusers does");
  parser.option("format", "", "png|jpeg|webp",
                "file format (default png; only PNG and JPEG carry the settings)");
  parser.option("jpeg-quality", "", "Q", "JPEG and WebP quality 1..100 (default 95)");
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
  if (ec)
    return fail(kCommand, makeError(ErrorKind::Io,
                                    "cannot create '" + g->outputFolder + "': " + ec.message()));

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
  if (!g->request.seed)
    std::fprintf(stderr, "seed: %llu (random)\n",
                 static_cast<unsigned long long>(*result->request.seed));

  const std::string stamp = localDateTimeStamp();
  for (size_t i = 0; i < result->images.size(); ++i) {
    const auto& image = result->images[i];
    ImageSettings settings = imageSettingsFor(*result, i, pipeline->info());
    std::string path = uniqueImagePath(
        g->outputFolder, imageFileStem(stamp, image.seed, g->request.prompt), g->format);
    if (auto s = saveImage(path, image.rgb.data(), image.width, image.height, g->format, settings,
                           g->jpegQuality);
        !s)
      return fail(kCommand, s.error());
    std::printf("%s  seed %llu  %dx%d  %.2f s\n", path.c_str(),
                static_cast<unsigned long long>(image.seed), image.width, image.height,
                result->times.totalSeconds);
  }
  return kExitOk;
}

}  // namespace fd::cli
