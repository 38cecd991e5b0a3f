#pragma once
// Helpers for the discovery tests: tiny synthetic state dicts of each model
// (tensor names and shapes exactly as the reference code names them),
// diffusers-named versions of them (the golden README's table, applied in
// the BFL -> diffusers direction), and writers for the folder layouts users
// keep on disk.

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "weights/architecture.h"
#include "weights/dtype.h"

namespace fd::test {

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  DType dtype = DType::F32;
};
using StateSpec = std::vector<TensorSpec>;

// Reference (BFL / Hugging Face) names and shapes for the given parameters.
StateSpec fluxSpec(const FluxParams& p);
StateSpec autoencoderSpec(const AutoEncoderParams& p);
StateSpec clipSpec(const ClipTextParams& p);  // includes position_ids (I64)
StateSpec t5Spec(const T5Params& p);          // shared.weight and encoder.embed_tokens.weight

// The same tensors under diffusers names (fused tensors split).
StateSpec fluxToDiffusers(const StateSpec& bfl, const FluxParams& p);
StateSpec autoencoderToDiffusers(const StateSpec& bfl, const AutoEncoderParams& p);

StateSpec withPrefix(StateSpec spec, const std::string& prefix);
StateSpec withDtype(StateSpec spec, DType dtype);
StateSpec concat(std::vector<StateSpec> parts);

// Writes the tensors with deterministic contents (throws on failure).
void writeSpec(const std::filesystem::path& file, const StateSpec& spec);
// Writes `spec` as `shards` files "<stem>-0000i-of-0000n.safetensors" plus
// `indexName` (a *.safetensors.index.json) in `folder`.
void writeShardedSpec(const std::filesystem::path& folder, const std::string& indexName,
                      const std::string& stem, const StateSpec& spec, int shards);

// Small but realistic parameters: head dim 128 so FLUX.1's default rope
// axes fit when no config.json is beside the weights.
FluxParams tinyFluxParams(bool guidance = false);
AutoEncoderParams tinyAutoencoderParams();
ClipTextParams tinyClipParams();
T5Params tinyT5Params();

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
                                                const nlohmann::json& expected, bool everyExpectedKey);

}  // namespace fd::test
