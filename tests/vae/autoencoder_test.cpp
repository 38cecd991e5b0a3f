// The FLUX autoencoder's behaviour that the golden case (64x96, float32) does
// not pin down: sizes that are not powers of two, decoder-only models, the
// module tree, bfloat16, bad inputs, and the uint8 conversion.

#include "models/autoencoder.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <set>
#include <string>

namespace fd::test {
namespace {

// The golden case's tiny architecture: 4 levels, so 8x like FLUX.1.
AutoEncoderParams tinyParams() {
  AutoEncoderParams p;
  p.ch = 32;
  p.ch_mult = {1, 1, 2, 2};
  p.num_res_blocks = 1;
  p.z_channels = 16;
  return p;
}

// An autoencoder with random weights like torch's default initialisation
// (uniform in +-1/sqrt(fan_in); norms at identity): the model allocates its
// parameters uninitialised, every value normally comes from a checkpoint.
AutoEncoder randomAutoEncoder(const AutoEncoderParams& params) {
  AutoEncoder ae(params);
  torch::NoGradGuard noGrad;
  for (auto& item : ae->named_parameters()) {
    torch::Tensor& p = item.value();
    const std::string& name = item.key();
    const bool isNorm = name.find("norm") != std::string::npos;
    if (isNorm) {
      p.fill_(name.size() >= 6 && name.compare(name.size() - 6, 6, "weight") == 0 ? 1.0 : 0.0);
    } else {
      const int64_t fanIn = p.dim() > 1 ? p[0].numel() : std::max<int64_t>(1, p.size(0));
      const double bound = 1.0 / std::sqrt(static_cast<double>(fanIn));
      p.uniform_(-bound, bound);
    }
  }
  return ae;
}

std::set<std::string> parameterNames(torch::nn::Module& module) {
  std::set<std::string> names;
  for (const auto& item : module.named_parameters()) names.insert(item.key());
  return names;
}

// Runs `f` and returns the c10::Error message it throws ("" if none).
template <typename F>
std::string errorOf(F&& f) {
  try {
    f();
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  }
  return "";
}

TEST(Autoencoder, OddSizesEncodeAndDecodeWithExactShapes) {
  torch::manual_seed(7);
  AutoEncoder ae = randomAutoEncoder(tinyParams());
  EXPECT_EQ(ae->downsamplingFactor(), 8);
  const auto image = torch::rand({1, 3, 72, 40}) * 2 - 1;  // (1, 3, 72, 40)

  const auto moments = ae->encoderMoments(image);
  EXPECT_EQ(moments.sizes(), (std::vector<int64_t>{1, 32, 9, 5}));
  const auto latent = ae->encode(image);
  ASSERT_EQ(latent.sizes(), (std::vector<int64_t>{1, 16, 9, 5}));
  // encode = scale * (mean - shift) of the same moments.
  const auto p = ae->params();
  const auto expected = (moments.narrow(1, 0, 16) - p.shift_factor) * p.scale_factor;
  EXPECT_TRUE(torch::allclose(latent, expected, 1e-6, 1e-6));

  const auto decoded = ae->decode(latent);
  EXPECT_EQ(decoded.sizes(), (std::vector<int64_t>{1, 3, 72, 40}));
  EXPECT_TRUE(torch::isfinite(decoded).all().item<bool>());

  // Latent sizes that do not come from an image: 7x3 -> 56x24, batch 2.
  EXPECT_EQ(ae->decode(torch::randn({2, 16, 7, 3})).sizes(), (std::vector<int64_t>{2, 3, 56, 24}));
}

TEST(Autoencoder, DecodeAppliesScaleAndShiftBeforeTheDecoder) {
  torch::manual_seed(8);
  AutoEncoder ae = randomAutoEncoder(tinyParams());
  std::map<std::string, torch::Tensor> capture;
  ae->setCapture(&capture);
  const auto z = torch::randn({1, 16, 3, 2});
  const auto decoded = ae->decode(z);
  ae->setCapture(nullptr);
  const auto p = ae->params();
  ASSERT_TRUE(capture.count("decoder_input"));
  EXPECT_TRUE(torch::allclose(capture["decoder_input"], z / p.scale_factor + p.shift_factor));
  // Every level leaves its blocks (num_res_blocks + 1) and upsamplers.
  for (const char* name : {"decoder.conv_in", "decoder.mid.block_1", "decoder.mid.attn_1",
                           "decoder.mid.block_2", "decoder.up.3.block.1", "decoder.up.3.upsample",
                           "decoder.up.0.block.1", "decoder.norm_out", "decoder.conv_out"}) {
    EXPECT_TRUE(capture.count(name)) << name;
  }
  EXPECT_FALSE(capture.count("decoder.up.0.upsample"));
  EXPECT_EQ(capture["decoder.up.3.upsample"].sizes(), (std::vector<int64_t>{1, 64, 6, 4}));
  EXPECT_TRUE(torch::equal(capture["decoder.conv_out"], decoded));
  // Capturing must not change the result.
  EXPECT_TRUE(torch::equal(ae->decode(z), decoded));
}

TEST(Autoencoder, ModuleTreeUsesTheOfficialKeyNames) {
  AutoEncoder ae = randomAutoEncoder(tinyParams());
  const auto names = parameterNames(*ae);
  for (const char* key :
       {"encoder.conv_in.weight", "encoder.down.0.block.0.norm1.weight",
        "encoder.down.0.block.0.conv2.bias", "encoder.down.0.downsample.conv.weight",
        "encoder.down.2.block.0.nin_shortcut.weight", "encoder.mid.block_1.conv1.weight",
        "encoder.mid.attn_1.norm.bias", "encoder.mid.attn_1.q.weight",
        "encoder.mid.attn_1.proj_out.bias", "encoder.norm_out.weight", "encoder.conv_out.weight",
        "decoder.conv_in.weight", "decoder.mid.block_2.norm2.weight",
        "decoder.up.0.block.1.conv1.weight", "decoder.up.1.block.0.nin_shortcut.weight",
        "decoder.up.3.upsample.conv.weight", "decoder.norm_out.bias", "decoder.conv_out.weight"}) {
    EXPECT_TRUE(names.count(key)) << key;
  }
  // No shortcut where channels stay, no resampler at the ends, no extra block.
  for (const char* key :
       {"encoder.down.0.block.0.nin_shortcut.weight", "encoder.down.3.downsample.conv.weight",
        "encoder.down.0.block.1.conv1.weight", "decoder.up.0.upsample.conv.weight",
        "decoder.up.0.block.2.conv1.weight"}) {
    EXPECT_FALSE(names.count(key)) << key;
  }
  // The reference tiny model has 176 tensors (golden README), all parameters.
  EXPECT_EQ(names.size(), 176u);
  EXPECT_TRUE(ae->named_buffers().is_empty());
}

TEST(Autoencoder, DecoderOnlyModelHasNoEncoderAndRefusesToEncode) {
  auto p = tinyParams();
  p.has_encoder = false;
  AutoEncoder ae = randomAutoEncoder(p);
  for (const auto& name : parameterNames(*ae)) EXPECT_EQ(name.rfind("decoder.", 0), 0u) << name;
  EXPECT_EQ(ae->decode(torch::randn({1, 16, 2, 3})).sizes(), (std::vector<int64_t>{1, 3, 16, 24}));
  EXPECT_NE(errorOf([&] {
              ae->encode(torch::zeros({1, 3, 16, 16}));
            }).find("no encoder"),
            std::string::npos);
}

TEST(Autoencoder, BadInputsGiveErrorsThatNameTheProblem) {
  AutoEncoder ae = randomAutoEncoder(tinyParams());
  EXPECT_NE(errorOf([&] {
              ae->encode(torch::zeros({1, 3, 70, 40}));
            }).find("multiples of 8"),
            std::string::npos);
  EXPECT_NE(errorOf([&] {
              ae->encode(torch::zeros({1, 4, 16, 16}));
            }).find("(B, 3, H, W)"),
            std::string::npos);
  EXPECT_NE(errorOf([&] {
              ae->decode(torch::zeros({1, 4, 2, 2}));
            }).find("(B, 16, h, w)"),
            std::string::npos);
  auto bad = tinyParams();
  bad.ch = 24;  // 24 channels cannot form 32 groups
  EXPECT_NE(errorOf([&] { AutoEncoder{bad}; }).find("multiple of 32"), std::string::npos);
  bad = tinyParams();
  bad.ch_mult.clear();
  EXPECT_NE(errorOf([&] { AutoEncoder{bad}; }).find("ch_mult"), std::string::npos);
  EXPECT_NE(errorOf([] {
              imageToRgb8(torch::zeros({3, 4, 4}));
            }).find("(B, 3, H, W)"),
            std::string::npos);
  EXPECT_NE(errorOf([] { rgb8ToImage(torch::zeros({4, 4, 3})); }).find("uint8"), std::string::npos);
  EXPECT_NE(errorOf([] {
              rgb8ToImage(torch::zeros({4, 4, 4}, torch::kByte));
            }).find("(H, W, 3)"),
            std::string::npos);
}

TEST(Autoencoder, BFloat16RunsCloseToFloat32) {
  torch::manual_seed(9);
  AutoEncoder ae = randomAutoEncoder(tinyParams());
  const auto image = torch::rand({1, 3, 24, 16}) * 2 - 1;
  const auto z32 = ae->encode(image);
  const auto x32 = ae->decode(z32);
  ae->to(torch::kBFloat16);
  const auto z16 = ae->encode(image);  // the input is converted to the model's dtype
  const auto x16 = ae->decode(z32);
  ASSERT_EQ(z16.scalar_type(), torch::kBFloat16);
  ASSERT_EQ(x16.scalar_type(), torch::kBFloat16);
  const double latentErr = (z16.to(torch::kFloat) - z32).abs().max().item<double>();
  const double decodedErr = (x16.to(torch::kFloat) - x32).abs().max().item<double>();
  const double latentMax = z32.abs().max().item<double>(),
               decodedMax = x32.abs().max().item<double>();
  std::printf("bfloat16 vs float32: latent %.3g of %.3g, decoded %.3g of %.3g\n", latentErr,
              latentMax, decodedErr, decodedMax);
  // Measured ~2% (latent) and ~4% (decoded) of the largest value: bfloat16's
  // 8-bit mantissa over ~25 layers. The broken 1.13 bfloat16 GroupNorm gave
  // errors as large as the values themselves.
  EXPECT_LT(decodedErr, 0.1 * decodedMax);
  EXPECT_LT(latentErr, 0.1 * latentMax);
}

TEST(Autoencoder, GroupNormInBFloat16MatchesFloat32OnChannelsLastInput) {
  // oneDNN's bfloat16 convolutions return channels-last tensors. 32 channels
  // at 768x704 (540672 values per group) make the float32 path work in two
  // uneven slices: 31 groups (<= 2^24 values), then 1.
  torch::manual_seed(10);
  GroupNorm32 norm(32);
  norm->to(torch::kBFloat16);
  {
    torch::NoGradGuard noGrad;
    norm->named_parameters()["weight"].copy_(torch::rand({32}) + 0.5);
    norm->named_parameters()["bias"].copy_(torch::randn({32}) * 0.1);
  }
  const auto x = (torch::randn({1, 32, 768, 704}) * 3 + 2)
                     .to(torch::kBFloat16)
                     .contiguous(torch::MemoryFormat::ChannelsLast);  // (1, 32, 768, 704)
  const auto y = norm->forward(x);
  ASSERT_EQ(y.scalar_type(), torch::kBFloat16);
  const auto expected = torch::group_norm(x.to(torch::kFloat).contiguous(), 32,
                                          norm->named_parameters()["weight"].to(torch::kFloat),
                                          norm->named_parameters()["bias"].to(torch::kFloat), 1e-6);
  // Only the final rounding to bfloat16 may differ: half an ulp, <= 2^-8 relative.
  const auto err = (y.to(torch::kFloat) - expected).abs();
  EXPECT_TRUE((err <= expected.abs() * (1.0 / 256) + 1e-6).all().item<bool>())
      << "max error " << err.max().item<double>();
}

TEST(Rgb8, ConversionTruncatesLikeTheReference) {
  // One pixel row per value: R = v, G = -v, B = 0.
  const std::vector<float> values{-2.0f, -1.0f, -0.999f, 0.0f, 0.5f, 0.999f, 1.0f, 3.0f};
  const std::vector<int> expectedR{0, 0, 0, 127, 191, 254, 255, 255};
  const std::vector<int> expectedG{255, 255, 254, 127, 63, 0, 0, 0};
  const auto v = torch::tensor(values);  // (8)
  const auto decoded = torch::stack({v, -v, torch::zeros_like(v)}).view({1, 3, 8, 1});
  const auto rgb = imageToRgb8(decoded);
  ASSERT_EQ(rgb.sizes(), (std::vector<int64_t>{1, 8, 1, 3}));
  ASSERT_EQ(rgb.scalar_type(), torch::kByte);
  ASSERT_TRUE(rgb.is_contiguous());
  const auto* data = rgb.data_ptr<uint8_t>();
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(data[3 * i + 0], expectedR[i]) << "value " << values[i];
    EXPECT_EQ(data[3 * i + 1], expectedG[i]) << "value " << -values[i];
    EXPECT_EQ(data[3 * i + 2], 127) << "value 0";
  }
  // A bfloat16 decode converts through float32 (0.5 is exact in bfloat16).
  EXPECT_TRUE(torch::equal(imageToRgb8(decoded.to(torch::kBFloat16)).select(3, 0).flatten()[4],
                           torch::tensor(191, torch::kByte)));
}

TEST(Rgb8, ToImageMapsBytesToMinusOneToOne) {
  // (H=1, W=3, 3): pixels (0, 255, 51), (127, 128, 0), (255, 0, 255).
  const auto rgb =
      torch::tensor({0, 255, 51, 127, 128, 0, 255, 0, 255}, torch::kByte).view({1, 3, 3});
  const auto image = rgb8ToImage(rgb);
  ASSERT_EQ(image.sizes(), (std::vector<int64_t>{1, 3, 1, 3}));
  ASSERT_EQ(image.scalar_type(), torch::kFloat);
  const auto r = image[0][0][0];  // red channel of the 3 pixels
  EXPECT_FLOAT_EQ(r[0].item<float>(), -1.0f);
  EXPECT_FLOAT_EQ(r[1].item<float>(), 127.0f / 127.5f - 1.0f);
  EXPECT_FLOAT_EQ(r[2].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(image[0][1][0][0].item<float>(), 1.0f);                   // green of pixel 0
  EXPECT_FLOAT_EQ(image[0][2][0][0].item<float>(), 51.0f / 127.5f - 1.0f);  // blue of pixel 0
}

}  // namespace
}  // namespace fd::test
