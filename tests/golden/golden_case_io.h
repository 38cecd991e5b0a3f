#pragma once
// Helpers shared by the golden case handlers: reading a case's tensors
// through the engine's own loader (fd::Checkpoint + fd::loadTensor), the
// tolerances of config.json, and comparison with a printed report line per
// tensor ("[golden] <case> <tensor> max_abs=... max_rel=... atol=... PASS").

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

// Tolerance for re-running a float32 case in bfloat16 and comparing with the
// float32 expectation. Rule (derived from the transformer_forward_bf16 case):
// that case measured max |bf16 output - float32 output of the unrounded
// weights| = 0.131 for max |output| = 5.92, i.e. 2.2% of the output's
// magnitude; with the golden README's 3x margin for bf16 tolerances:
//   atol = 0.07 * max(1, max |expected|),  rtol = 0.01 (the bf16 case's rtol).
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
  bool compare(const std::string& label, const torch::Tensor& actual,
               const torch::Tensor& expected, Tolerance tolerance);
  // Every expected output of config.json must have been checked.
  void expectAllExpectedOutputsChecked() const;

 private:
  const GoldenCase& golden_;
  const GoldenTensors& tensors_;
  std::set<std::string> checked_;
};

// The case's FLUX transformer, built like the app builds it: Checkpoint ->
// mapFluxTransformer -> detectFluxParams(weights, config.json text) ->
// FluxModel -> loadModuleWeights (converted once to `dtype`, CPU). The
// detected params are checked against config.json's flux_params.
FluxModel loadGoldenFlux(const GoldenCase& golden, const std::string& fileName,
                         torch::ScalarType dtype);

}  // namespace fd::test
