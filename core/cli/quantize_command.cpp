// fluxdesk-cli quantize IN OUT --type TYPE: a transformer or T5 checkpoint
// (safetensors in any layout FluxDesk reads, fp8, or GGUF) written as a
// quantized GGUF file like the ones users share, for FluxDesk, ComfyUI-GGUF
// or stable-diffusion.cpp.
#include <chrono>
#include <cstdio>

#include "cli/arg_parser.h"
#include "cli/commands.h"
#include "cli/engine_args.h"
#include "pipeline/gguf_convert.h"
#include "weights/ggml_quants.h"

namespace fd::cli {

namespace {

const char* kCommand = "quantize";

Result<GgufConvertOptions> optionsFrom(const ArgParser& parser) {
  GgufConvertOptions options;
  const std::string typeText = parser.value("type").value_or("q8_0");
  auto type = dtypeFromDisplayName(typeText);
  if (!type || !isQuantized(*type) || !canQuantize(*type))
    return makeError(ErrorKind::BadRequest,
                     "--type: '" + typeText +
                         "' is not a type FluxDesk quantizes to (q8_0, q6_K, q5_1, q5_0, "
                         "q4_K, q4_1, q4_0)");
  options.type = *type;
  if (auto component = parser.value("component")) {
    if (*component == "transformer") {
      options.component = ComponentKind::Transformer;
    } else if (*component == "t5") {
      options.component = ComponentKind::T5Encoder;
    } else {
      return makeError(ErrorKind::BadRequest,
                       "--component: '" + *component + "' is not transformer or t5");
    }
  }
  return options;
}

}  // namespace

int runQuantize(const Args& args) {
  ArgParser parser(
      kCommand,
      "Writes the FLUX transformer or the T5 encoder of IN (a .safetensors file, a sharded\n"
      "index.json, fp8 or GGUF) to OUT as a quantized GGUF file laid out like city96's\n"
      "files (BFL names for FLUX, llama.cpp names for T5; embedders, the final layer and\n"
      "norms stay 16/32-bit), which FluxDesk, ComfyUI-GGUF and stable-diffusion.cpp load.\n"
      "FluxDesk keeps quantized weights quantized in memory: q8_0 halves a bfloat16\n"
      "model, q4_K takes about a quarter.");
  parser.positional("IN", "the checkpoint to convert");
  parser.positional("OUT", "the .gguf file to write (replaced atomically)");
  parser.option("type", "", "TYPE", "q8_0 (default), q6_K, q5_1, q5_0, q4_K, q4_1 or q4_0");
  parser.option("component", "", "transformer|t5", "which model of IN (default: the one it holds)");
  if (auto s = parser.parse(args); !s) return fail(kCommand, s.error());
  if (parser.helpRequested()) {
    std::fputs(parser.usage().c_str(), stdout);
    return 0;
  }
  auto options = optionsFrom(parser);
  if (!options) return fail(kCommand, options.error());
  options->onTensor = [](size_t i, size_t n, const std::string& name) {
    std::fprintf(stderr, "\r[%zu/%zu] %-60.60s", i + 1, n, name.c_str());
    std::fflush(stderr);
  };
  const auto start = std::chrono::steady_clock::now();
  auto report =
      convertToGguf(parser.positionalValue("IN"), parser.positionalValue("OUT"), *options);
  std::fputc('\n', stderr);
  if (!report) return fail(kCommand, report.error());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %zu tensors, %.2f GB -> %.2f GB (%s) in %.1f s: %s\n",
              componentKindName(report->component), report->tensors,
              double(report->inputBytes) / 1e9, double(report->outputBytes) / 1e9,
              dtypeDisplayName(options->type), seconds, parser.positionalValue("OUT").c_str());
  return 0;
}

}  // namespace fd::cli
