#pragma once
// Where the tests find reference data and scratch space.

#include <filesystem>
#include <string>

namespace fd::test {

// $FLUXDESK_GOLDEN_DIR, else ../shared/golden beside the source tree.
std::filesystem::path goldenRoot();
// $FLUXDESK_TOKENIZER_DIR, else ../shared/tokenizers.
std::filesystem::path tokenizerRoot();
// A fresh empty folder under the build tree, removed when the object dies.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::string readTextFile(const std::filesystem::path& path);
void writeTextFile(const std::filesystem::path& path, const std::string& text);

}  // namespace fd::test
