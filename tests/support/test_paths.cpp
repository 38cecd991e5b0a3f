#include "support/test_paths.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fd::test {

namespace {
std::filesystem::path fromEnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  if (value && *value) return std::filesystem::path(value);
  return std::filesystem::path(fallback).lexically_normal();
}
}  // namespace

std::filesystem::path goldenRoot() {
  return fromEnvOr("FLUXDESK_GOLDEN_DIR", FLUXDESK_DEFAULT_GOLDEN_DIR);
}
std::filesystem::path tokenizerRoot() {
  return fromEnvOr("FLUXDESK_TOKENIZER_DIR", FLUXDESK_DEFAULT_TOKENIZER_DIR);
}

TempDir::TempDir(const std::string& tag) {
  static std::atomic<int> counter{0};
  auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  path_ = std::filesystem::path(FLUXDESK_BINARY_DIR) / "test-tmp" /
          (tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(stamp) + "-" +
           std::to_string(counter++));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string readTextFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void writeTextFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace fd::test
