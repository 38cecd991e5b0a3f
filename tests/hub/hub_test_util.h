#pragma once
// Shared by the hub tests: a mock hub with a small FLUX-like repository, a
// fresh cache folder, and a HubConfig pointing at both with fast retries.

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "hub/hub_config.h"
#include "hub/hub_download.h"
#include "mock_hub.h"
#include "support/test_paths.h"

namespace fd::test {

inline std::string randomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

inline constexpr const char* kRepo = "test-org/tiny-flux";

// Regular and LFS files, nested folders, an empty file.
inline std::vector<MockFile> tinyFluxFiles() {
  return {
      {"model_index.json", "{\"_class_name\": \"FluxPipeline\"}\n"},
      {"README.md", "# tiny flux\n"},
      {"scheduler/scheduler_config.json", "{\"shift\": 3.0}\n"},
      {"tokenizer/vocab.json", "{\"a\": 1, \"b\": 2}\n"},
      {"tokenizer_2/empty.txt", ""},
      {"transformer/diffusion_pytorch_model.safetensors", randomBytes(300000, 1), true},
      {"vae/diffusion_pytorch_model.safetensors", randomBytes(120000, 2), true},
      {"text_encoder_2/deep/nested/model.safetensors", randomBytes(50000, 3), true},
  };
}

inline uint64_t totalBytes(const std::vector<MockFile>& files) {
  uint64_t n = 0;
  for (const auto& f : files) n += f.bytes.size();
  return n;
}

class HubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hub_ = std::make_unique<MockHub>(repos());
    ASSERT_TRUE(hub_->start());
  }
  void TearDown() override {
    hub_.reset();
    setHubFreeSpaceProbe({});
  }

  virtual std::vector<MockRepo> repos() const { return {MockRepo{kRepo, tinyFluxFiles()}}; }

  HubConfig config() const {
    HubConfig c;
    c.endpoint = hub_->endpoint();
    c.cacheDir = (cache_.path() / "hub").string();
    c.maxAttempts = 3;
    c.firstBackoffSeconds = 0.01;
    c.connectTimeoutSeconds = 5;
    c.stallTimeoutSeconds = 5;
    return c;
  }

  HubDownloadRequest request(const std::string& repo = kRepo) const {
    HubDownloadRequest r;
    r.repo = repo;
    return r;
  }

  std::filesystem::path storage(const std::string& repo = kRepo) const {
    return std::filesystem::path(config().cacheDir) / hubRepoFolderName(repo);
  }

  // Every file below `dir`, as relative paths (symlinks included), sorted.
  static std::vector<std::string> filesBelow(const std::filesystem::path& dir) {
    std::vector<std::string> out;
    if (!std::filesystem::exists(dir)) return out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (e.is_symlink() || e.is_regular_file())
        out.push_back(e.path().lexically_relative(dir).string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  TempDir cache_{"hub"};
  std::unique_ptr<MockHub> hub_;
};

}  // namespace fd::test
