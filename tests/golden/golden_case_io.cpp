#include "golden/golden_case_io.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "support/test_paths.h"
#include "support/torch/tensor_compare.h"
#include "tensor/weight_loading.h"
#include "weights/weight_map.h"

namespace fd::test {

GoldenTensors GoldenTensors::open(const std::filesystem::path& file) {
  auto checkpoint = Checkpoint::open(file.string());
  if (!checkpoint)
    throw std::runtime_error("cannot open " + file.string() + ": " + checkpoint.error().message);
  return GoldenTensors(std::move(checkpoint).value());
}

torch::Tensor GoldenTensors::get(const std::string& name) const {
  const CheckpointEntry* entry = checkpoint_.find(name);
  if (!entry) throw std::runtime_error(checkpoint_.path() + " has no tensor '" + name + "'");
  auto tensor = loadTensor(*entry);
  if (!tensor)
    throw std::runtime_error("cannot load '" + name + "' from " + checkpoint_.path() + ": " +
                             tensor.error().message);
  return std::move(tensor).value();
}

std::vector<std::string> GoldenTensors::names() const {
  std::vector<std::string> out;
  for (const auto& entry : checkpoint_.entries()) out.push_back(entry.first);
  return out;
}

std::optional<Tolerance> findTolerance(const GoldenCase& golden, const std::string& name) {
  const auto& tensors = golden.config.value("tensors", nlohmann::json::object());
  auto it = tensors.find(name);
  if (it == tensors.end() || !it->contains("tolerance")) return std::nullopt;
  const auto& tol = (*it)["tolerance"];
  if (!tol.contains("suggested_atol") || !tol.contains("suggested_rtol")) return std::nullopt;
  return Tolerance{tol["suggested_atol"].get<double>(), tol["suggested_rtol"].get<double>()};
}

std::vector<std::string> expectedOutputNames(const GoldenCase& golden) {
  std::vector<std::string> names;
  const auto& tensors = golden.config.value("tensors", nlohmann::json::object());
  for (auto it = tensors.begin(); it != tensors.end(); ++it)
    if (it->value("role", std::string()) == "expected_output") names.push_back(it.key());
  return names;
}

torch::ScalarType caseDtype(const GoldenCase& golden) {
  const std::string name = golden.config.value("dtype", std::string("float32"));
  if (name == "float32") return torch::kFloat32;
  if (name == "bfloat16") return torch::kBFloat16;
  if (name == "float16") return torch::kFloat16;
  throw std::runtime_error(golden.name + "/config.json: unknown dtype '" + name + "'");
}

const char* dtypeLabel(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32: return "float32";
    case torch::kBFloat16: return "bfloat16";
    case torch::kFloat16: return "float16";
    default: return "other";
  }
}

namespace {
double maxMagnitude(const torch::Tensor& t) {
  return t.numel() ? t.abs().max().to(torch::kFloat64).item<double>() : 0.0;
}
}  // namespace

Tolerance bf16ArithmeticTolerance(const torch::Tensor& expected) {
  return Tolerance{0.025 * std::max(1.0, maxMagnitude(expected)), 0.01};
}

Tolerance bf16RerunTolerance(const torch::Tensor& expected) {
  return Tolerance{0.07 * std::max(1.0, maxMagnitude(expected)), 0.01};
}

Tolerance withLibraryUlpFloor(Tolerance tolerance, const torch::Tensor& expected) {
  if (expected.scalar_type() != torch::kFloat32) return tolerance;
  tolerance.atol = std::max(tolerance.atol, 2e-4 * std::max(1.0, maxMagnitude(expected)));
  return tolerance;
}

bool GoldenChecker::compare(const std::string& label, const torch::Tensor& actual,
                            const torch::Tensor& expected, Tolerance tolerance) {
  const auto report = compareTensors(actual, expected, tolerance.atol, tolerance.rtol);
  std::printf("[golden] %-28s %-42s max_abs=%-10.3g max_rel=%-10.3g atol=%-8.3g rtol=%-8.3g %s\n",
              golden_.name.c_str(), label.c_str(), report.maxAbs, report.maxRel, tolerance.atol,
              tolerance.rtol, report.pass ? "PASS" : "FAIL");
  std::fflush(stdout);
  EXPECT_TRUE(report.pass) << "[" << golden_.name << "] " << label << ": " << report.summary()
                           << " (atol " << tolerance.atol << ", rtol " << tolerance.rtol << ")";
  return report.pass;
}

void GoldenChecker::check(const std::string& name, const torch::Tensor& actual) {
  checked_.insert(name);
  auto tolerance = findTolerance(golden_, name);
  if (!tolerance) {
    ADD_FAILURE() << "[" << golden_.name << "] " << name << ": config.json gives no tolerance";
    return;
  }
  const auto expected = tensors_.get(name);
  EXPECT_EQ(actual.scalar_type(), expected.scalar_type())
      << "[" << golden_.name << "] " << name << ": dtype differs from the stored tensor";
  compare(name, actual, expected, withLibraryUlpFloor(*tolerance, expected));
}

void GoldenChecker::check(const std::string& name, const torch::Tensor& actual, Tolerance tolerance,
                          const std::string& label) {
  checked_.insert(name);
  compare(name + label, actual, tensors_.get(name), tolerance);
}

void GoldenChecker::checkIfExpected(const std::string& name, const torch::Tensor& actual) {
  const auto names = expectedOutputNames(golden_);
  if (std::find(names.begin(), names.end(), name) != names.end()) check(name, actual);
}

void GoldenChecker::expectAllExpectedOutputsChecked() const {
  for (const auto& name : expectedOutputNames(golden_))
    EXPECT_TRUE(checked_.count(name)) << "[" << golden_.name << "] expected output '" << name
                                      << "' has no producer in the runner (unknown tensor name)";
}

std::filesystem::path goldenWeightsFile(const GoldenCase& golden, const std::string& fileName) {
  const auto path = golden.dir / fileName;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return path;
  auto gguf = path;
  gguf.replace_extension(".gguf");
  return std::filesystem::exists(gguf, ec) ? gguf : path;
}

std::string goldenModelConfig(const GoldenCase& golden, const char* section) {
  const auto it = golden.config.find(section);
  if (it == golden.config.end() || !it->is_object()) return "{}";
  return it->dump();
}

FluxModel loadGoldenFlux(const GoldenCase& golden, const std::string& fileName,
                         torch::ScalarType dtype) {
  const auto path = goldenWeightsFile(golden, fileName);
  auto checkpoint = Checkpoint::open(path.string());
  if (!checkpoint) throw std::runtime_error(checkpoint.error().message);
  auto weights = mapFluxTransformer(checkpoint.value());
  if (!weights) throw std::runtime_error(path.string() + ": " + weights.error().message);
  auto params = detectFluxParams(weights.value(), goldenModelConfig(golden, "flux_params"));
  if (!params) throw std::runtime_error(path.string() + ": " + params.error().message);

  // Every parameter must be stated and be what the weights (and config)
  // give; a case that states none fails (nothing would be checked).
  if (!golden.config.contains("flux_params")) {
    ADD_FAILURE() << golden.name
                  << "/config.json states no flux_params to check the detected ones against";
  } else {
    const auto& want = golden.config["flux_params"];
    const FluxParams& got = params.value();
    StatedParams stated(golden.name + " flux_params", want);
    stated.expect("in_channels", got.in_channels);
    stated.expect("out_channels", got.out_channels);
    stated.expect("vec_in_dim", got.vec_in_dim);
    stated.expect("context_in_dim", got.context_in_dim);
    stated.expect("hidden_size", got.hidden_size);
    stated.expect("mlp_ratio", got.mlp_ratio);
    stated.expect("num_heads", got.num_heads);
    stated.expect("depth", got.depth);
    stated.expect("depth_single_blocks", got.depth_single_blocks);
    stated.expect("axes_dim", got.axes_dim);
    stated.expect("theta", got.theta);
    stated.expect("qkv_bias", got.qkv_bias);
    stated.expect("guidance_embed", got.guidance_embed);
  }

  FluxModel model(params.value(), torch::TensorOptions().dtype(dtype));
  auto status = loadModuleWeights(*model, weights.value(), dtype, torch::kCPU);
  if (!status) throw std::runtime_error(path.string() + ": " + status.error().message);
  return model;
}

}  // namespace fd::test
