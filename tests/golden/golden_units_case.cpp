// kind "units": the unit-level functions (timestep embedding, rope tables,
// apply_rope, attention, schedules, noise, unpack). What to compute is read
// from each expected tensor's name (e.g. get_schedule.steps4_seq4096_shift1,
// get_noise.seed42_n1_h64_w64_bf16) and the case's `spec`.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <regex>

#include "golden/golden_case_io.h"
#include "golden/golden_registry.h"
#include "models/flux_layers.h"
#include "sampling/latent_packing.h"
#include "sampling/noise.h"
#include "sampling/schedule.h"
#include "tensor/attention.h"

namespace fd::test {
namespace {

struct RopeConfig {
  std::vector<int64_t> axesDim;
  int64_t theta = 10000;
};

// spec.rope_axes[i] = [axes_dim, theta]
RopeConfig ropeConfig(const GoldenCase& golden, size_t index) {
  const auto& axes = golden.config.at("spec").at("rope_axes");
  if (index >= axes.size())
    throw std::runtime_error(golden.name + ": spec.rope_axes has no entry " +
                             std::to_string(index));
  return {axes[index].at(0).get<std::vector<int64_t>>(), axes[index].at(1).get<int64_t>()};
}

torch::Tensor scheduleTensor(const std::vector<double>& values) {
  auto out = torch::empty({static_cast<int64_t>(values.size())}, torch::kFloat32);
  for (size_t i = 0; i < values.size(); ++i) out[static_cast<int64_t>(i)] = values[i];
  return out;
}

// config.schedule_mu: {"seq4096_base0.5_max1.15": 1.15, ...}
void checkScheduleMu(const GoldenCase& golden) {
  if (!golden.config.contains("schedule_mu")) return;
  static const std::regex pattern(R"(seq(\d+)_base([0-9.]+)_max([0-9.]+))");
  for (const auto& [key, value] : golden.config["schedule_mu"].items()) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(key, m, pattern)) << "unrecognised schedule_mu entry " << key;
    const double mu = scheduleMu(std::stoll(m[1]), {std::stod(m[2]), std::stod(m[3])});
    EXPECT_NEAR(mu, value.get<double>(), 1e-12) << key;
    std::printf("[golden] %-28s %-42s mu=%.17g expected=%.17g\n", golden.name.c_str(),
                ("schedule_mu." + key).c_str(), mu, value.get<double>());
  }
}

void runUnits(const GoldenCase& golden) {
  const auto tensors = GoldenTensors::open(golden.dir / "tensors.safetensors");
  GoldenChecker checker(golden, tensors);
  static const std::regex temb(R"(timestep_embedding\.dim(\d+)(_bf16)?)");
  static const std::regex rope(R"(rope\.pe(\d+))");
  // get_schedule(num_steps, image_seq_len, base_shift, max_shift, shift):
  // the shift bounds are named only when they are not the defaults.
  static const std::regex schedule(
      R"(get_schedule\.steps(\d+)_seq(\d+)_shift([01])(?:_base([0-9.eE+-]+)_max([0-9.eE+-]+))?)");
  static const std::regex noise(R"(get_noise\.seed(\d+)_n(\d+)_h(\d+)_w(\d+)_(f32|bf16))");
  static const std::regex unpack(R"(unpack\.out_h(\d+)_w(\d+))");

  // Rope tables of spec.rope_axes[0] feed apply_rope and attention, as in the reference.
  auto pe0 = [&] {
    const auto cfg = ropeConfig(golden, 0);
    return embedPositions(tensors.get("rope.ids"), cfg.axesDim, cfg.theta);
  };

  for (const auto& name : expectedOutputNames(golden)) {
    std::smatch m;
    if (std::regex_match(name, m, temb)) {
      const auto t =
          tensors.get(m[2].matched ? "timestep_embedding.t_bf16" : "timestep_embedding.t");
      checker.check(name, timestepEmbedding(t, std::stoll(m[1])));
    } else if (std::regex_match(name, m, rope)) {
      const auto cfg = ropeConfig(golden, std::stoul(m[1]));
      checker.check(name, embedPositions(tensors.get("rope.ids"), cfg.axesDim, cfg.theta));
    } else if (name == "apply_rope.q" || name == "apply_rope.k") {
      const auto q = tensors.get("attention.q"), k = tensors.get("attention.k");
      const auto rotated = applyRope(q, k, pe0());
      const auto& actual = name == "apply_rope.q" ? rotated.first : rotated.second;
      checker.check(name, actual);
      // bfloat16 inputs: rotated in float32, cast back (vs the float32 result:
      // the difference is the rounding of inputs and outputs to bf16).
      const auto rotated16 = applyRope(q.to(torch::kBFloat16), k.to(torch::kBFloat16), pe0());
      const auto& actual16 = name == "apply_rope.q" ? rotated16.first : rotated16.second;
      EXPECT_EQ(actual16.scalar_type(), torch::kBFloat16);
      checker.check(name, actual16, bf16ArithmeticTolerance(actual), " [bfloat16 run]");
    } else if (name == "attention.out") {
      const auto q = tensors.get("attention.q"), k = tensors.get("attention.k"),
                 v = tensors.get("attention.v");
      const auto pe = pe0();
      checker.check(name, ropeAttention(q, k, v, pe));
      // The textbook formula on the same rotated inputs (no fused kernel).
      const auto [qr, kr] = applyRope(q, k, pe);
      auto plain = plainAttention(qr, kr, v);
      plain = plain.transpose(1, 2).reshape({q.size(0), q.size(2), -1});
      const auto tolerance = findTolerance(golden, name);
      ASSERT_TRUE(tolerance);
      checker.check(name, plain, *tolerance, " [unfused]");
      const auto out16 =
          ropeAttention(q.to(torch::kBFloat16), k.to(torch::kBFloat16), v.to(torch::kBFloat16), pe);
      EXPECT_EQ(out16.scalar_type(), torch::kBFloat16);
      checker.check(name, out16, bf16ArithmeticTolerance(tensors.get(name)), " [bfloat16 run]");
    } else if (std::regex_match(name, m, schedule)) {
      ScheduleShift bounds;
      if (m[4].matched) bounds = {std::stod(m[4]), std::stod(m[5])};
      const auto values = getSchedule(std::stoi(m[1]), std::stoll(m[2]), m[3] == "1", bounds);
      EXPECT_EQ(values.front(), 1.0) << name;
      EXPECT_EQ(values.back(), 0.0) << name;
      checker.check(name, scheduleTensor(values));
    } else if (std::regex_match(name, m, noise)) {
      const auto dtype = m[5] == "bf16" ? torch::kBFloat16 : torch::kFloat32;
      const auto drawn =
          getNoise(std::stoull(m[1]), std::stoll(m[3]), std::stoll(m[4]), dtype, std::stoll(m[2]));
      checker.check(name, drawn);
      // Noise must be the reference's bit for bit, not merely close.
      checker.compare(name + " (bitwise)", drawn, tensors.get(name), {0, 0});
    } else if (std::regex_match(name, m, unpack)) {
      const auto input = tensors.get("unpack.in_h" + std::string(m[1]) + "_w" + std::string(m[2]));
      const auto unpacked = unpackLatents(input, std::stoll(m[1]), std::stoll(m[2]));
      checker.check(name, unpacked);
      checker.compare(name + " (pack round trip)", packLatents(unpacked), input, {0, 0});
    }
    // Anything else is reported by expectAllExpectedOutputsChecked.
  }
  checkScheduleMu(golden);
  checker.expectAllExpectedOutputsChecked();
}

}  // namespace

FD_GOLDEN_KIND("units", runUnits);

}  // namespace fd::test
