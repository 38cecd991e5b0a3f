#include "cli/cli.h"

#include <cstdio>
#include <cstring>
#include <string>

#include "cli/commands.h"
#include "pipeline/cuda_backend.h"

namespace fd::cli {

namespace {

struct CommandEntry {
  const char* name;
  int (*fn)(const Args&);
  const char* summary;
};

const CommandEntry kCommands[] = {
    {"generate", runGenerate, "generate images from a prompt"},
    {"inspect", runInspect, "show the layout, files and architecture of weights"},
    {"bench", runBench, "time text encoding, each step and decoding"},
    {"make-demo-model", runMakeDemoModel, "write the tiny built-in demo model to a folder"},
    {"quantize", runQuantize, "write a transformer or T5 checkpoint as a quantized GGUF file"},
    {"download", runDownload,
     "download a model repository from the Hugging Face hub into the shared cache"},
#ifdef FLUXDESK_HAVE_SERVE
    {"serve", runServe, "serve the OpenAI-compatible image API on localhost"},
#endif
};

void printUsage(std::FILE* out) {
  std::fprintf(out, "usage: fluxdesk-cli <command> [options]\n\ncommands:\n");
  for (const auto& c : kCommands) std::fprintf(out, "  %-16s %s\n", c.name, c.summary);
  std::fprintf(out,
               "\nRun 'fluxdesk-cli <command> --help' for a command's options,\n"
               "'fluxdesk-cli --version' for the version and the CUDA backend's state.\n");
}

void printVersion() {
#ifdef FLUXDESK_VERSION
  std::printf("fluxdesk-cli %s\n", FLUXDESK_VERSION);
#endif
  std::printf("CUDA backend: %s\n", cudaBackendStatus().c_str());
}

}  // namespace

int run(int argc, char** argv) {
  if (argc < 2) {
    printUsage(stderr);
    return 2;
  }
  std::string name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    printUsage(stdout);
    return 0;
  }
  if (name == "--version" || name == "version") {
    printVersion();
    return 0;
  }
  Args args(argv + 2, argv + argc);
  for (const auto& c : kCommands) {
    if (name == c.name) return c.fn(args);
  }
  std::fprintf(stderr, "fluxdesk-cli: unknown command '%s'\n\n", name.c_str());
  printUsage(stderr);
  return 2;
}

}  // namespace fd::cli
