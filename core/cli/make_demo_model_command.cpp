// fluxdesk-cli make-demo-model DIR: writes the tiny built-in demo model.
#include <chrono>
#include <cstdio>

#include "cli/arg_parser.h"
#include "cli/commands.h"
#include "pipeline/demo_model.h"

namespace fd::cli {

int runMakeDemoModel(const Args& args) {
  ArgParser parser("make-demo-model",
                   "Writes the FluxDesk demo model (Hugging Face FLUX.1-schnell layout, tiny random\n"
                   "weights, tokenizers made by FluxDesk) into DIR. It draws abstract patterns, not\n"
                   "pictures; use it to try FluxDesk without FLUX.1 weights.");
  parser.positional("DIR", "folder to write (created when missing; existing demo files are replaced)");
  if (auto s = parser.parse(args); !s) {
    std::fprintf(stderr, "fluxdesk-cli make-demo-model: %s\n", s.error().message.c_str());
    return 2;
  }
  if (parser.helpRequested()) {
    std::fputs(parser.usage().c_str(), stdout);
    return 0;
  }
  const std::string& folder = parser.positionalValue("DIR");
  auto start = std::chrono::steady_clock::now();
  if (auto s = writeDemoModel(folder); !s) {
    std::fprintf(stderr, "fluxdesk-cli make-demo-model: %s\n", s.error().message.c_str());
    return s.error().kind == ErrorKind::Io ? 5 : 3;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("demo model written to %s (%.1f s)\n", folder.c_str(), seconds);
  std::printf("try: fluxdesk-cli generate --model %s --prompt \"a lighthouse at dusk\" -o out\n", folder.c_str());
  return 0;
}

}  // namespace fd::cli
