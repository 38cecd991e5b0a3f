#pragma once
// Helpers for the discovery tests: writing synthetic state dicts
// (synthetic_models.h) as safetensors files, JSON files, parameter structs
// as JSON, running the real fluxdesk-cli.

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "discovery/synthetic_models.h"

namespace fd::test {

// Writes the tensors with deterministic contents (throws on failure).
void writeSpec(const std::filesystem::path& file, const StateSpec& spec);
// Writes the tensors as a GGUF v3 file (fd::writeGgufStreaming), with
// general.architecture = `architecture` unless empty; deterministic bytes
// (quantized blocks are not meant to be dequantized).
void writeGgufSpec(const std::filesystem::path& file, const StateSpec& spec,
                   const std::string& architecture = {});
// Writes `spec` as `shards` files "<stem>-0000i-of-0000n.safetensors" plus
// `indexName` (a *.safetensors.index.json) in `folder`.
void writeShardedSpec(const std::filesystem::path& folder, const std::string& indexName,
                      const std::string& stem, const StateSpec& spec, int shards);

// Every field, for comparisons that print both sides on failure.
nlohmann::json toJson(const FluxParams& p);
nlohmann::json toJson(const AutoEncoderParams& p);
nlohmann::json toJson(const ClipTextParams& p);
nlohmann::json toJson(const T5Params& p);

// Runs the real fluxdesk-cli binary with `args`; stdout and stderr apart.
struct CliRun {
  int exitCode = -1;
  std::string out, err;
};
CliRun runCli(const std::vector<std::string>& args);

nlohmann::json readJson(const std::filesystem::path& path);
void writeJson(const std::filesystem::path& path, const nlohmann::json& value);

// Differences between an architecture (as `inspect --json` prints it) and
// the reference values: golden "flux_params"/"autoencoder_params" sections
// must be reproduced key by key; for HF configs every architecture key must
// equal the config's. Empty when they agree.
std::vector<std::string> architectureMismatches(const nlohmann::json& architecture,
                                                const nlohmann::json& expected,
                                                bool everyExpectedKey);

}  // namespace fd::test
