// Where the hub is, the token and the cache folder, read from the
// environment as huggingface_hub's constants.py and _auth.py read them.
#include "hub/hub_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "support/test_paths.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

const char* kVariables[] = {"HF_ENDPOINT",   "HF_HOME",
                            "HF_HUB_CACHE",  "HUGGINGFACE_HUB_CACHE",
                            "HF_TOKEN",      "HUGGING_FACE_HUB_TOKEN",
                            "HF_TOKEN_PATH", "XDG_CACHE_HOME",
                            "HOME",          "FD_TEST_VAR"};

class HubConfigEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kVariables) {
      if (const char* v = std::getenv(name)) saved_[name] = v;
      ::unsetenv(name);
    }
    ::setenv("HOME", (dir_.path() / "home").c_str(), 1);
  }
  void TearDown() override {
    for (const char* name : kVariables) ::unsetenv(name);
    for (const auto& [name, value] : saved_) ::setenv(name.c_str(), value.c_str(), 1);
  }
  std::string home() const { return (dir_.path() / "home").string(); }

  TempDir dir_{"hub-config"};
  std::map<std::string, std::string> saved_;
};

TEST_F(HubConfigEnv, DefaultsFollowHome) {
  HubConfig c = hubConfigFromEnvironment();
  EXPECT_EQ(c.endpoint, "https://huggingface.co");
  EXPECT_EQ(c.cacheDir, home() + "/.cache/huggingface/hub");
  EXPECT_FALSE(c.token.has_value());
}

TEST_F(HubConfigEnv, XdgCacheHomeThenHfHomeThenHfHubCache) {
  ::setenv("XDG_CACHE_HOME", "/xdg", 1);
  EXPECT_EQ(hubConfigFromEnvironment().cacheDir, "/xdg/huggingface/hub");
  ::setenv("HF_HOME", "/hf-home", 1);
  EXPECT_EQ(hubConfigFromEnvironment().cacheDir, "/hf-home/hub");
  ::setenv("HUGGINGFACE_HUB_CACHE", "/legacy-cache", 1);
  EXPECT_EQ(hubConfigFromEnvironment().cacheDir, "/legacy-cache");
  ::setenv("HF_HUB_CACHE", "/hub-cache", 1);
  EXPECT_EQ(hubConfigFromEnvironment().cacheDir, "/hub-cache");
}

TEST_F(HubConfigEnv, PathsExpandTildeAndVariables) {
  ::setenv("HF_HOME", "~/hf", 1);
  EXPECT_EQ(hubConfigFromEnvironment().cacheDir, home() + "/hf/hub");
  ::setenv("FD_TEST_VAR", "/from-var", 1);
  ::setenv("HF_HUB_CACHE", "${FD_TEST_VAR}/cache/$FD_TEST_VAR/$FD_UNSET_VAR", 1);
  EXPECT_EQ(hubConfigFromEnvironment().cacheDir, "/from-var/cache//from-var/$FD_UNSET_VAR");
}

TEST_F(HubConfigEnv, EndpointLosesTrailingSlashes) {
  ::setenv("HF_ENDPOINT", "https://hf-mirror.example//", 1);
  EXPECT_EQ(hubConfigFromEnvironment().endpoint, "https://hf-mirror.example");
}

TEST_F(HubConfigEnv, TokenFromEnvironmentThenFileThenSettings) {
  const fs::path hfHome = dir_.path() / "hf-home";
  fs::create_directories(hfHome);
  ::setenv("HF_HOME", hfHome.c_str(), 1);

  HubConfig c = hubConfigFromEnvironment(std::string("hf_settings"));
  EXPECT_EQ(c.token, "hf_settings");
  EXPECT_EQ(c.tokenSource, "settings");

  // The token file, stripped of blanks and newlines (as `hf auth login` writes it or a user edits
  // it).
  writeTextFile(hfHome / "token", "  hf_from_file\r\n");
  c = hubConfigFromEnvironment(std::string("hf_settings"));
  EXPECT_EQ(c.token, "hf_from_file");
  EXPECT_EQ(c.tokenSource, (hfHome / "token").string());

  writeTextFile(dir_.path() / "elsewhere", "hf_token_path\n");
  ::setenv("HF_TOKEN_PATH", (dir_.path() / "elsewhere").c_str(), 1);
  EXPECT_EQ(hubConfigFromEnvironment().token, "hf_token_path");

  ::setenv("HUGGING_FACE_HUB_TOKEN", "hf_legacy", 1);
  EXPECT_EQ(hubConfigFromEnvironment().token, "hf_legacy");
  ::setenv("HF_TOKEN", "", 1);  // empty: falls through, as Python's `or`
  EXPECT_EQ(hubConfigFromEnvironment().token, "hf_legacy");
  ::setenv("HF_TOKEN", " hf_env\n", 1);
  c = hubConfigFromEnvironment(std::string("hf_settings"));
  EXPECT_EQ(c.token, "hf_env");
  EXPECT_EQ(c.tokenSource, "HF_TOKEN");

  // A blank token file is no token.
  ::unsetenv("HF_TOKEN");
  ::unsetenv("HUGGING_FACE_HUB_TOKEN");
  writeTextFile(dir_.path() / "elsewhere", " \n");
  EXPECT_FALSE(hubConfigFromEnvironment().token.has_value());
}

}  // namespace
}  // namespace fd::test
