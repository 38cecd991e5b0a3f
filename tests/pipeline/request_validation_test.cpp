// Request rules: every bad field is rejected with a reason, nothing is
// adjusted silently. Also the CLI's argument parser.
#include "pipeline/request_validation.h"

#include <gtest/gtest.h>

#include "cli/arg_parser.h"

namespace fd::test {
namespace {

ModelInfo schnell() {
  ModelInfo m;
  m.name = "FLUX.1-schnell";
  m.defaultSteps = 4;
  m.maxSteps = 4;
  return m;
}

GenerationRequest good() {
  GenerationRequest r;
  r.prompt = "a red fox";
  r.width = 1024;
  r.height = 768;
  r.count = 2;
  r.steps = 4;
  return r;
}

std::string rejection(const GenerationRequest& r, const ModelInfo& m = schnell()) {
  Status s = validateRequest(r, m);
  if (s.ok()) return "accepted";
  EXPECT_EQ(s.error().kind, ErrorKind::BadRequest);
  return s.error().message;
}

TEST(RequestValidation, AcceptsAGoodRequest) { EXPECT_EQ(rejection(good()), "accepted"); }

TEST(RequestValidation, SizeMustBeAMultipleOf16InRange) {
  auto r = good();
  r.width = r.height = 1000;
  EXPECT_EQ(rejection(r), "width 1000 is not a multiple of 16 (nearest: 992 or 1008)");
  r.width = 1024;
  EXPECT_EQ(rejection(r), "height 1000 is not a multiple of 16 (nearest: 992 or 1008)");
  r.height = 240;
  EXPECT_EQ(rejection(r), "height 240 is outside 256..2048 pixels");
  r.height = 2064;
  EXPECT_EQ(rejection(r), "height 2064 is outside 256..2048 pixels");
  r.height = 2048;
  r.width = 256;
  EXPECT_EQ(rejection(r), "accepted");
}

TEST(RequestValidation, CountIsOneToFour) {
  auto r = good();
  r.count = 0;
  EXPECT_EQ(rejection(r), "count 0 is outside 1..4 images per request");
  r.count = 5;
  EXPECT_EQ(rejection(r), "count 5 is outside 1..4 images per request");
}

TEST(RequestValidation, PromptMustSaySomething) {
  auto r = good();
  r.prompt = "";
  EXPECT_EQ(rejection(r), "the prompt is empty: describe the image to generate");
  r.prompt = " \t\n ";
  EXPECT_EQ(rejection(r), "the prompt is empty: describe the image to generate");
  r.prompt = std::string("a\0b", 3);
  EXPECT_EQ(rejection(r), "the prompt contains a NUL character");
  // The length limit counts characters, not bytes.
  r.prompt.clear();
  for (int i = 0; i < kRequestLimits.maxPromptCodePoints; ++i) r.prompt += "\xc3\xa9";
  EXPECT_EQ(rejection(r), "accepted");
  r.prompt += "e";
  EXPECT_EQ(rejection(r), "the prompt is longer than 4000 characters");
  auto problem = findRequestProblem(r, schnell());
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->field, RequestField::Prompt);
}

TEST(RequestValidation, StepsFollowTheModel) {
  auto r = good();
  r.steps = 5;
  EXPECT_NE(rejection(r).find("steps 5 is outside 1..4 for FLUX.1-schnell"), std::string::npos);
  r.steps = -1;
  EXPECT_NE(rejection(r).find("steps -1 is outside 1..4"), std::string::npos);
  r.steps = 0;  // 0: the model's default (pipeline.h), reported as run
  EXPECT_EQ(rejection(r), "accepted");
  EXPECT_EQ(effectiveSteps(r, schnell()), 4);

  ModelInfo dev = schnell();
  dev.name = "FLUX.1-dev";
  dev.guidanceDistilled = true;
  dev.defaultSteps = 28;
  dev.maxSteps = 100;
  r.steps = 50;
  r.guidance = 3.5;
  EXPECT_EQ(rejection(r, dev), "accepted");
  EXPECT_EQ(effectiveSteps(GenerationRequest{}, dev), 28);
  r.guidance = -1;
  EXPECT_NE(rejection(r, dev).find("guidance"), std::string::npos);
}

TEST(RequestValidation, GuidanceOnlyForGuidanceDistilledModels) {
  auto r = good();
  r.guidance = 3.5;
  EXPECT_NE(rejection(r).find("guidance is used only by guidance-distilled models"),
            std::string::npos);
}

TEST(CliArgs, ParsesOptionsFlagsAndPositionals) {
  cli::ArgParser p("test", "summary");
  p.option("size", "s", "WxH", "size");
  p.option("count", "n", "N", "count");
  p.flag("json", "json");
  p.positional("DIR", "folder");
  ASSERT_TRUE(p.parse({"--size=512x256", "-n", "3", "--json", "out"}).ok());
  EXPECT_EQ(p.value("size").value_or(""), "512x256");
  EXPECT_EQ(p.value("count").value_or(""), "3");
  EXPECT_TRUE(p.isSet("json"));
  EXPECT_EQ(p.positionalValue("DIR"), "out");
  auto size = cli::parseSizeOption("--size", *p.value("size"));
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(size->first, 512);
  EXPECT_EQ(size->second, 256);

  cli::ArgParser q("test", "summary");
  q.option("seed", "", "S", "seed");
  EXPECT_EQ(q.parse({"--bogus"}).error().message, "unknown option '--bogus' (see --help)");
  EXPECT_FALSE(q.parse({"--seed"}).ok());
  EXPECT_FALSE(cli::parseSeedOption("--seed", "-3").ok());
  EXPECT_FALSE(cli::parseSeedOption("--seed", "12x").ok());
  EXPECT_EQ(cli::parseSeedOption("--seed", "18446744073709551615").value(),
            18446744073709551615ull);
  EXPECT_FALSE(cli::parseSizeOption("--size", "wide").ok());
  EXPECT_FALSE(cli::parseIntOption("--steps", "0", 1, 4).ok());
}

}  // namespace
}  // namespace fd::test
