#pragma once
// Helpers shared by the golden case handlers: reading a case's tensors
// through the engine's own loader (fd::Checkpoint + fd::loadTensor), the
// tolerances of config.json, and comparison with a printed report line per
// tensor ("[golden] <case> <tensor> max_abs=... max_rel=... atol=... PASS").

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "golden/golden_registry.h"
#include "models/flux_model.h"
#include "weights/checkpoint.h"

namespace fd::test {

// The tensors of one safetensors file of a case. Missing files or tensors
// throw std::runtime_error naming the file and tensor (a loud test failure).
class GoldenTensors {
 public:
  static GoldenTensors open(const std::filesystem::path& file);
  bool has(const std::string& name) const { return checkpoint_.contains(name); }
  torch::Tensor get(const std::string& name) const;  // CPU, stored dtype
  std::vector<std::string> names() const;
  const std::string& path() const { return checkpoint_.path(); }

 private:
  explicit GoldenTensors(Checkpoint checkpoint) : checkpoint_(std::move(checkpoint)) {}
  Checkpoint checkpoint_;
};

struct Tolerance {
  double atol = 0;
  double rtol = 0;
};

// tensors.<name>.tolerance.suggested_atol / suggested_rtol, if present.
std::optional<Tolerance> findTolerance(const GoldenCase& golden, const std::string& name);
// Names of config.json tensors with role "expected_output", in file order.
std::vector<std::string> expectedOutputNames(const GoldenCase& golden);
// config.json `dtype` ("float32", "bfloat16", "float16"); float32 when absent.
torch::ScalarType caseDtype(const GoldenCase& golden);
const char* dtypeLabel(torch::ScalarType dtype);

// Tolerances for running float32 cases again in bfloat16, derived from what
// the transformer_forward_bf16 case measured (max |output| = 5.9), with the
// golden README's 3x margin for bf16 tolerances:
// - bf16ArithmeticTolerance: bf16 result vs a float32 run of the same
//   bf16-rounded weights and inputs with the same bf16 rounding of 1000*t
//   (the case's reference_output_fp32): measured 0.045, 0.77% of the output
//   magnitude -> atol = 0.025 * max(1, max |expected|), rtol = 0.01.
// - bf16RerunTolerance: bf16 result vs the float32 result of the unrounded
//   weights and timesteps (the stored float32 expectation): measured 0.131,
//   2.2% of the magnitude -> atol = 0.07 * max(1, max |expected|), rtol = 0.01.
Tolerance bf16ArithmeticTolerance(const torch::Tensor& expected);
// The float32 goldens were made with LibTorch 1.13, whose float32 exp/sin/cos
// differ from 2.x's by an ulp. The timestep embedding evaluates sin/cos at up
// to 1000 * t radians, where one ulp of the argument (3e-5 at 400 rad) moves
// the embedding by as much, and that difference flows through time_in and
// every modulation after it (measured: at most 1.1e-4 of a magnitude-1
// tensor). float32 checks therefore allow at least
// 2e-4 * max(1, max |expected|): still ~100x tighter than the bf16 bounds.
Tolerance withLibraryUlpFloor(Tolerance tolerance, const torch::Tensor& expected);
Tolerance bf16RerunTolerance(const torch::Tensor& expected);

// Compares with the stored tensors and config tolerances, prints one line per
// comparison and records gtest failures. Remembers what was compared so that
// an expected output nobody produced fails loudly.
class GoldenChecker {
 public:
  GoldenChecker(const GoldenCase& golden, const GoldenTensors& tensors)
      : golden_(golden), tensors_(tensors) {}
  // Stored tensor `name` with its config tolerance (missing tolerance: failure).
  void check(const std::string& name, const torch::Tensor& actual);
  // Stored tensor `name` with an explicit tolerance; `label` is printed after the name.
  void check(const std::string& name, const torch::Tensor& actual, Tolerance tolerance,
             const std::string& label);
  // check(name, actual) when config.json lists `name` as an expected output;
  // otherwise nothing (for pipelines that can produce more than a case stores).
  void checkIfExpected(const std::string& name, const torch::Tensor& actual);
  // Any comparison against an explicit expected tensor.
  bool compare(const std::string& label, const torch::Tensor& actual, const torch::Tensor& expected,
               Tolerance tolerance);
  const GoldenTensors& tensors() const { return tensors_; }
  const GoldenCase& goldenCase() const { return golden_; }
  // Every expected output of config.json must have been checked.
  void expectAllExpectedOutputsChecked() const;

 private:
  const GoldenCase& golden_;
  const GoldenTensors& tensors_;
  std::set<std::string> checked_;
};

// Compares the parameters a case's config states with what FluxDesk read.
// Every parameter asked for must be stated: one left out fails (a check
// against nothing proves nothing, and the detected value would simply win).
class StatedParams {
 public:
  StatedParams(std::string where, const nlohmann::json& stated)
      : where_(std::move(where)), stated_(stated) {}
  template <typename T>
  void expect(const char* key, const T& got) const {
    if (!stated_.contains(key)) {
      ADD_FAILURE() << where_ << " does not state " << key;
      return;
    }
    EXPECT_EQ(got, stated_[key].get<T>()) << where_ << ": " << key;
  }

 private:
  std::string where_;
  const nlohmann::json& stated_;
};

// golden.dir / fileName, or the .gguf of the same stem when only that exists
// (cases under gguf/ keep their weights as weights.gguf).
std::filesystem::path goldenWeightsFile(const GoldenCase& golden, const std::string& fileName);

// The reference dataclass parameters a case states (config "flux_params" or
// "autoencoder_params") as the config.json text a model folder would carry
// with BFL's field names: what the engine's detection reads (it knows
// nothing of golden cases).
std::string goldenModelConfig(const GoldenCase& golden, const char* section);

// The case's FLUX transformer, built like the app builds it: Checkpoint ->
// mapFluxTransformer -> detectFluxParams(weights, config.json text) ->
// FluxModel -> loadModuleWeights (converted once to `dtype`, CPU). The
// detected params are checked against config.json's flux_params.
FluxModel loadGoldenFlux(const GoldenCase& golden, const std::string& fileName,
                         torch::ScalarType dtype);

}  // namespace fd::test
