// fluxdesk-cli itself: make-demo-model (and its option checks), generate, bench --json, exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "pipeline/image_io.h"
#include "support/test_paths.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int exitCode = -1;
  std::string out;  // stdout only; stderr goes to the test log
};

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

CliRun cli(const std::string& arguments) {
  CliRun run;
  const std::string command = quoted(FLUXDESK_CLI_PATH) + " " + arguments;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return run;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  int status = ::pclose(pipe);
  run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class CliE2e : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("cli-e2e");
    CliRun made = cli("make-demo-model " + quoted(model()));
    ASSERT_EQ(made.exitCode, 0) << made.out;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string model() { return (dir_->path() / "demo").string(); }
  static TempDir* dir_;
};
TempDir* CliE2e::dir_ = nullptr;

TEST_F(CliE2e, GenerateWritesImagesAndOneLinePerImage) {
  const fs::path out = dir_->path() / "out";
  CliRun run = cli(
      "generate --model " + quoted(model()) +
      " --prompt 'a glass dragon over a frozen lake' --size 256x256 -n 2 --seed 5 --threads 2 -o " +
      quoted(out.string()));
  ASSERT_EQ(run.exitCode, 0) << run.out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(out)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 2) << run.out;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string name = files[i].filename().string();
    EXPECT_NE(name.find("-" + std::to_string(5 + i) + "-a-glass-dragon-over-a-frozen-lake.png"),
              std::string::npos)
        << name;
    EXPECT_NE(run.out.find(files[i].string()), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("seed " + std::to_string(5 + i)), std::string::npos);
    auto chunks = readPngTextChunks(files[i].string());
    ASSERT_TRUE(chunks.ok()) << chunks.error().message;
    EXPECT_NE(chunks->at("parameters").find("Seed: " + std::to_string(5 + i) + ", Size: 256x256"),
              std::string::npos);
    auto image = readImageFile(files[i].string());
    ASSERT_TRUE(image.ok());
    EXPECT_EQ(image->width, 256);
  }
}

TEST_F(CliE2e, JpegFormat) {
  const fs::path out = dir_->path() / "jpeg";
  CliRun run = cli("generate --model " + quoted(model()) +
                   " -p 'teal waves' -s 256x256 --seed 1 --format jpeg -o " + quoted(out.string()));
  ASSERT_EQ(run.exitCode, 0) << run.out;
  auto it = fs::directory_iterator(out);
  ASSERT_NE(it, fs::directory_iterator());
  EXPECT_EQ(it->path().extension(), ".jpg");
  auto bytes = readFileBytes(it->path().string());
  ASSERT_TRUE(bytes.ok());
  auto comment = parseJpegComment(*bytes);
  ASSERT_TRUE(comment.ok());
  EXPECT_NE(comment->find("\"prompt\":\"teal waves\""), std::string::npos) << *comment;
}

TEST_F(CliE2e, ExitCodesSayWhatWentWrong) {
  const std::string out = quoted((dir_->path() / "bad").string());
  EXPECT_EQ(
      cli("generate --model " + quoted(model()) + " -p x --size 1000x1000 -o " + out).exitCode, 2);
  EXPECT_EQ(cli("generate --model " + quoted(model()) + " -p x -n 5 -o " + out).exitCode, 2);
  EXPECT_EQ(cli("generate --model " + quoted(model()) + " -p x --steps 0 -o " + out).exitCode, 2);
  EXPECT_EQ(cli("generate --model " + quoted(model()) + " -p '' -o " + out).exitCode, 2);
  EXPECT_EQ(cli("generate --model " + quoted(model()) + " -p x --bogus -o " + out).exitCode, 2);
  EXPECT_EQ(
      cli("generate --model " + quoted(model()) + " -p x -s 256x256 --steps 5 -o " + out).exitCode,
      2);
  EXPECT_EQ(
      cli("generate --model " + quoted((dir_->path() / "nowhere").string()) + " -p x -o " + out)
          .exitCode,
      3);
  EXPECT_EQ(cli("generate --help").exitCode, 0);
}

TEST_F(CliE2e, MakeDemoModelDepthOptionsNeedScaleReal) {
  const fs::path out = dir_->path() / "not-written";
  EXPECT_EQ(cli("make-demo-model " + quoted(out.string()) + " --double-blocks 2").exitCode, 2);
  EXPECT_EQ(cli("make-demo-model " + quoted(out.string()) + " --scale huge").exitCode, 2);
  EXPECT_EQ(
      cli("make-demo-model " + quoted(out.string()) + " --scale real --single-blocks 39").exitCode,
      2);
  EXPECT_EQ(cli("make-demo-model " + quoted(out.string()) + " --scale real --t5-layers 0").exitCode,
            2);
  EXPECT_FALSE(fs::exists(out));
  CliRun help = cli("make-demo-model --help");
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_NE(help.out.find("--scale"), std::string::npos) << help.out;
}

TEST_F(CliE2e, BenchPrintsJson) {
  CliRun run = cli("bench --model " + quoted(model()) + " --size 256x256 --repeat 1 --json");
  ASSERT_EQ(run.exitCode, 0) << run.out;
  auto j = nlohmann::json::parse(run.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << run.out;
  EXPECT_EQ(j["model"]["name"], "FluxDesk demo");
  EXPECT_EQ(j["settings"]["width"], 256);
  EXPECT_EQ(j["settings"]["steps"], 4);
  ASSERT_EQ(j["step_seconds"].size(), 4u);
  for (const auto& step : j["step_seconds"]) EXPECT_GT(step["mean"].get<double>(), 0.0);
  EXPECT_GT(j["text_seconds"]["mean"].get<double>(), 0.0);
  EXPECT_GT(j["decode_seconds"]["mean"].get<double>(), 0.0);
  EXPECT_GT(j["images_per_second"].get<double>(), 0.0);
  EXPECT_GT(j["memory"]["peak_rss_bytes"].get<int64_t>(), 10 << 20);
  // CUDA figures exactly when the model ran on a GPU (the tests run on
  // whatever device "auto" picks: the CPU here, CUDA on a GPU machine).
  const std::string device = j["model"].value("device", "");
  ASSERT_FALSE(device.empty()) << j["model"].dump();
  const bool onCuda = device.rfind("cuda", 0) == 0;
  EXPECT_EQ(j["memory"]["cuda"].is_null(), !onCuda)
      << "device " << device << ": " << j["memory"].dump();
  if (onCuda) {
    EXPECT_GT(j["memory"]["cuda"].value("peak_allocated_bytes", int64_t(0)), 0);
  }
}

}  // namespace
}  // namespace fd::test
