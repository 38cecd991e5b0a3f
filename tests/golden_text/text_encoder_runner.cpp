#include "golden_text/text_encoder_runner.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <stdexcept>

#include "models/clip_text_model.h"
#include "models/t5_encoder.h"
#include "support/torch/tensor_compare.h"
#include "tensor/weight_loading.h"
#include "weights/checkpoint.h"
#include "weights/weight_map.h"

namespace fd::test {

namespace fs = std::filesystem;

namespace {

template <typename T>
T valueOrThrow(Result<T> result, const std::string& context) {
  if (!result.ok()) throw std::runtime_error(context + ": " + result.error().message);
  return std::move(result).value();
}

void throwIfFailed(const Status& status, const std::string& context) {
  if (!status.ok()) throw std::runtime_error(context + ": " + status.error().message);
}

const char* dtypeName(torch::ScalarType dtype) { return c10::toString(dtype); }

TensorMap runClip(const WeightMap& weights, const std::string& configText,
                  const torch::Tensor& inputIds, torch::ScalarType dtype,
                  std::optional<torch::ScalarType> compute, const std::string& where) {
  auto params = valueOrThrow(detectClipTextParams(weights, configText), where + ": CLIP params");
  ClipTextModel model(params);
  throwIfFailed(loadModuleWeights(*model, weights, dtype, torch::kCPU), where + ": CLIP weights");
  model->eval();
  if (compute) model->setComputeDtype(*compute);
  auto out = model->forward(inputIds, /*outputHiddenStates=*/true);
  TensorMap result{{"last_hidden_state", out.last_hidden_state},
                   {"pooler_output", out.pooler_output}};
  for (size_t i = 0; i < out.hidden_states.size(); ++i)
    result["hidden_states." + std::to_string(i)] = out.hidden_states[i];
  return result;
}

TensorMap runT5(const WeightMap& weights, const std::string& configText,
                const torch::Tensor& inputIds, torch::ScalarType dtype,
                std::optional<torch::ScalarType> compute, const std::string& where) {
  auto params = valueOrThrow(detectT5Params(weights, configText), where + ": T5 params");
  T5Encoder model(params);
  throwIfFailed(loadModuleWeights(*model, weights, t5SafeDtype(dtype), torch::kCPU),
                where + ": T5 weights");
  model->eval();
  if (compute) model->setComputeDtype(*compute);
  auto out = model->forward(inputIds, /*outputHiddenStates=*/true);
  TensorMap result{{"last_hidden_state", out.last_hidden_state}};
  for (size_t i = 0; i < out.hidden_states.size(); ++i)
    result["hidden_states." + std::to_string(i)] = out.hidden_states[i];
  const int64_t length = inputIds.size(1);
  result["debug.relative_position_bucket"] = model->relativePositionBuckets(length, length);
  return result;
}

}  // namespace

TensorMap readTensorFile(const fs::path& path) {
  auto checkpoint = valueOrThrow(Checkpoint::open(path.string()), "golden tensors");
  TensorMap tensors;
  for (const auto& [name, entry] : checkpoint.entries())
    tensors[name] = valueOrThrow(loadTensor(entry), path.string() + ": tensor " + name);
  return tensors;
}

TensorMap runTextEncoder(TextModelKind kind, const fs::path& weightsPath,
                         const std::string& configText, const torch::Tensor& inputIds,
                         torch::ScalarType dtype, std::optional<torch::ScalarType> compute) {
  const std::string where = weightsPath.string();
  auto checkpoint = valueOrThrow(Checkpoint::open(where), "weights");
  torch::NoGradGuard noGrad;
  switch (kind) {
    case TextModelKind::ClipText:
      return runClip(valueOrThrow(mapClipText(checkpoint), where + ": CLIP weight names"),
                     configText, inputIds, dtype, compute, where);
    case TextModelKind::T5Encoder:
      return runT5(valueOrThrow(mapT5Encoder(checkpoint), where + ": T5 weight names"), configText,
                   inputIds, dtype, compute, where);
    case TextModelKind::Unknown: break;
  }
  throw std::runtime_error(where + ": unknown text model type");
}

void compareTextOutputs(const std::string& label, const TensorMap& actual, const TensorMap& golden,
                        TextTolerance tolerance, bool enforce) {
  int compared = 0;
  for (const auto& [name, expected] : golden) {
    if (name == "input_ids" || name == "pooled_index") continue;  // inputs / checked elsewhere
    auto it = actual.find(name);
    if (it == actual.end()) {
      ADD_FAILURE() << label << ": golden tensor " << name << " is not produced by the model";
      continue;
    }
    const torch::Tensor& got = it->second;
    if (!expected.is_floating_point()) {
      const bool same =
          got.sizes() == expected.sizes() && torch::equal(got.to(expected.scalar_type()), expected);
      std::printf("%-44s %-32s %s\n", label.c_str(), name.c_str(),
                  same ? "exact match" : "DIFFERS");
      if (enforce) {
        EXPECT_TRUE(same) << label << ": integer tensor " << name << " differs";
      }
      ++compared;
      continue;
    }
    auto report = compareTensors(got, expected, tolerance.maxAbs, /*rtol=*/0.0);
    std::printf("%-44s %-32s max=%.3e mean=%.3e (dtype %s)\n", label.c_str(), name.c_str(),
                report.maxAbs, report.meanAbs, dtypeName(got.scalar_type()));
    ++compared;
    if (!enforce) continue;
    EXPECT_TRUE(report.shapeError.empty()) << label << " " << name << ": " << report.shapeError;
    EXPECT_TRUE(report.pass) << label << " " << name << ": " << report.summary() << " (bound max "
                             << tolerance.maxAbs << ")";
    if (tolerance.meanAbs >= 0) {
      EXPECT_LE(report.meanAbs, tolerance.meanAbs) << label << " " << name << ": mean |diff|";
    }
  }
  std::fflush(stdout);
  if (enforce) {
    EXPECT_GT(compared, 0) << label << ": the golden file holds no outputs";
  }
}

}  // namespace fd::test
