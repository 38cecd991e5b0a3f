#pragma once
// What `generate` and `bench` share: the model and engine options, loading
// the pipeline with a progress line, and exit codes by error kind.

#include <memory>
#include <string>

#include "cli/arg_parser.h"
#include "pipeline/pipeline.h"

namespace fd::cli {

// Exit codes of fluxdesk-cli.
inline constexpr int kExitOk = 0;
inline constexpr int kExitBadRequest = 2;  // bad arguments or request
inline constexpr int kExitModel = 3;       // weights missing or invalid
inline constexpr int kExitOutOfMemory = 4;
inline constexpr int kExitOther = 5;  // cancelled, I/O, internal
int exitCodeFor(ErrorKind kind);

// --model, --transformer, --vae, --clip, --t5, --tokenizers, --device,
// --dtype, --memory, --threads.
void addEngineOptions(ArgParser& parser);
Result<ModelLocation> modelLocationFrom(const ArgParser& parser);
Result<EngineOptions> engineOptionsFrom(const ArgParser& parser);

// Loads with a progress line on stderr (unless quiet); prints the error and
// returns null on failure, with the exit code in `exitCode`.
std::unique_ptr<Pipeline> loadPipeline(const std::string& command, const ModelLocation& location,
                                       const EngineOptions& options, bool quiet, int& exitCode,
                                       double* loadSeconds = nullptr);

// One line: "FluxDesk demo (demo model: draws abstract patterns) on cpu, bfloat16, memory
// resident".
std::string describeModelLine(const ModelInfo& info, const EngineOptions& options);

// Prints "fluxdesk-cli <command>: <message>" to stderr, returns the exit code.
int fail(const std::string& command, const Error& error);

}  // namespace fd::cli
