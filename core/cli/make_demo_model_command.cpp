// fluxdesk-cli make-demo-model DIR: writes the tiny built-in demo model, or
// (--scale real) a random-weight model with FLUX.1's real widths for bench.
#include <chrono>
#include <cstdio>

#include "cli/arg_parser.h"
#include "cli/commands.h"
#include "demo/demo_model.h"
#include "weights/ggml_quants.h"

namespace fd::cli {

namespace {

const char* kCommand = "make-demo-model";

int failWith(const Error& error) {
  std::fprintf(stderr, "fluxdesk-cli %s: %s\n", kCommand, error.message.c_str());
  if (error.kind == ErrorKind::BadRequest) return 2;
  return error.kind == ErrorKind::Io ? 5 : 3;
}

// The depth options apply to --scale real only: naming one for the tiny
// demo is a mistake worth reporting, not something to ignore.
Result<DemoModelOptions> optionsFrom(const ArgParser& parser) {
  DemoModelOptions options;
  const std::string scale = parser.value("scale").value_or("demo");
  if (scale == "real") {
    options.scale = DemoScale::RealWidths;
  } else if (scale != "demo") {
    return makeError(ErrorKind::BadRequest, "--scale: '" + scale + "' is not demo or real");
  }
  for (auto [option, target] :
       {std::pair<const char*, std::optional<DType>*>{"quant", &options.transformerQuant},
        {"text-quant", &options.t5Quant}}) {
    auto text = parser.value(option);
    if (!text) continue;
    auto type = dtypeFromDisplayName(*text);
    if (!type || !isQuantized(*type) || !canQuantize(*type))
      return makeError(ErrorKind::BadRequest,
                       std::string("--") + option + ": '" + *text +
                           "' is not a type FluxDesk quantizes to (q8_0, q6_K, q5_1, "
                           "q5_0, q4_K, q4_1, q4_0)");
    *target = *type;
  }
  // Quantized real-width models are for running the full model: FLUX.1's
  // depths unless asked otherwise.
  if (options.scale == DemoScale::RealWidths && (options.transformerQuant || options.t5Quant)) {
    options.doubleBlocks = 19;
    options.singleBlocks = 38;
    options.t5Layers = 24;
  }
  struct Depth {
    const char* option;
    int max;
    int* value;
  };
  for (const Depth& d : {Depth{"double-blocks", 19, &options.doubleBlocks},
                         Depth{"single-blocks", 38, &options.singleBlocks},
                         Depth{"t5-layers", 24, &options.t5Layers}}) {
    auto text = parser.value(d.option);
    if (!text) continue;
    if (options.scale == DemoScale::Tiny)
      return makeError(ErrorKind::BadRequest, std::string("--") + d.option + " needs --scale real");
    auto value = parseIntOption(std::string("--") + d.option, *text, 1, d.max);
    if (!value) return value.error();
    *d.value = *value;
  }
  return options;
}

}  // namespace

int runMakeDemoModel(const Args& args) {
  ArgParser parser(
      kCommand,
      "Writes the FluxDesk demo model (Hugging Face FLUX.1-schnell layout, tiny random\n"
      "weights, tokenizers made by FluxDesk) into DIR. It draws abstract patterns, not\n"
      "pictures; use it to try FluxDesk without FLUX.1 weights.\n"
      "With --scale real it writes FLUX.1-schnell's real widths (transformer, autoencoder,\n"
      "CLIP-L, T5 d_model 4096) with random bfloat16 weights and the depths below, to time\n"
      "`fluxdesk-cli bench` without the real weights (GBs on disk: about 0.68 GB per double\n"
      "block, 0.28 GB per single block, 0.39 GB per T5 layer, 0.45 GB for the rest).");
  parser.positional("DIR",
                    "folder to write (created when missing; existing demo files are replaced)");
  parser.option("scale", "", "demo|real",
                "demo: the tiny demo (default); real: FLUX.1's real widths");
  parser.option("double-blocks", "", "N",
                "with --scale real: double-stream blocks, 1..19 (default 2; 19 with a quant)");
  parser.option("single-blocks", "", "M",
                "with --scale real: single-stream blocks, 1..38 (default 4; 38 with a quant)");
  parser.option("t5-layers", "", "K",
                "with --scale real: T5 encoder layers, 1..24 (default 2; 24 with a quant)");
  parser.option(
      "quant", "", "TYPE",
      "store the transformer as GGUF in this ggml type (q8_0, q6_K, q5_1, q5_0, q4_K, q4_1,\n"
      "q4_0), quantized by FluxDesk; with --scale real the depths default to FLUX.1's full\n"
      "19 + 38 blocks (about 6.8 GB at q4_K)");
  parser.option("text-quant", "", "TYPE",
                "store T5 as GGUF in this ggml type (llama.cpp names, as city96's files)");
  if (auto s = parser.parse(args); !s) return failWith(s.error());
  if (parser.helpRequested()) {
    std::fputs(parser.usage().c_str(), stdout);
    return 0;
  }
  auto options = optionsFrom(parser);
  if (!options) return failWith(options.error());
  const bool tiny = options->scale == DemoScale::Tiny;
  if (!tiny) {
    // Real-width files take seconds to minutes each: show which one is going.
    options->onWeightsFile = [](const std::string& file, uint64_t bytes) {
      std::fprintf(stderr, "writing %s (%.0f MiB)\n", file.c_str(),
                   double(bytes) / (1024.0 * 1024.0));
    };
  }

  const std::string& folder = parser.positionalValue("DIR");
  auto start = std::chrono::steady_clock::now();
  if (auto s = writeDemoModel(folder, *options); !s) return failWith(s.error());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (tiny) {
    std::printf("demo model written to %s (%.1f s)\n", folder.c_str(), seconds);
    std::printf("try: fluxdesk-cli generate --model %s --prompt \"a lighthouse at dusk\" -o out\n",
                folder.c_str());
  } else {
    std::printf(
        "real-width model (%d double, %d single blocks, %d T5 layers; random weights) written to "
        "%s (%.1f s)\n",
        options->doubleBlocks, options->singleBlocks, options->t5Layers, folder.c_str(), seconds);
    std::printf("try: fluxdesk-cli bench --model %s --size 512x512 --steps 4 --repeat 1\n",
                folder.c_str());
  }
  return 0;
}

}  // namespace fd::cli
