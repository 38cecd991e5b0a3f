// The hub client's small pure parts: cache folder names, globs, ETags,
// Link headers, URLs, safe paths.
#include <gtest/gtest.h>

#include "hub/hub_api.h"
#include "hub/hub_cache_writer.h"
#include "hub/hub_download.h"
#include "hub/hub_filter.h"
#include "hub/hub_hash.h"

namespace fd::test {
namespace {

using namespace fd::hub;

TEST(HubUnits, RepoFolderName) {
  EXPECT_EQ(hubRepoFolderName("black-forest-labs/FLUX.1-schnell"),
            "models--black-forest-labs--FLUX.1-schnell");
  EXPECT_EQ(hubRepoFolderName("gpt2"), "models--gpt2");
}

TEST(HubUnits, GlobsMatchLikeHuggingfaceHub) {
  EXPECT_TRUE(hubGlobMatch("config.json", "*.json"));
  EXPECT_TRUE(hubGlobMatch("tokenizer/vocab.json", "*.json")) << "'*' crosses '/'";
  EXPECT_TRUE(hubGlobMatch("data/a/b.json", "data/*.json"));
  EXPECT_TRUE(hubGlobMatch("tokenizer/vocab.json", "tokenizer/"));
  EXPECT_TRUE(hubGlobMatch("tokenizer/a/b", "tokenizer\\"));
  EXPECT_FALSE(hubGlobMatch("tokenizer_2/vocab.json", "tokenizer/"));
  EXPECT_FALSE(hubGlobMatch("Config.json", "config.json")) << "case-sensitive";
  EXPECT_TRUE(hubGlobMatch(".gitattributes", "*"));
  EXPECT_TRUE(hubGlobMatch("flux1-schnell-Q4_K_S.gguf", "*Q4_K_S.gguf"));
  EXPECT_TRUE(hubGlobMatch("a1.txt", "a[0-9].txt"));
  EXPECT_FALSE(hubGlobMatch("ab.txt", "a[!b].txt"));
  EXPECT_TRUE(hubGlobMatch("a?.txt", "a?.txt"));

  EXPECT_TRUE(hubPathSelected("x.json", {}, {}));
  EXPECT_TRUE(hubPathSelected("x.json", {"*.txt", "*.json"}, {}));
  EXPECT_FALSE(hubPathSelected("x.json", {"*.txt"}, {}));
  EXPECT_FALSE(hubPathSelected("x.json", {"*"}, {"x.*"}));
}

TEST(HubUnits, EtagsAreNormalizedAsHuggingfaceHub) {
  EXPECT_EQ(normalizeEtag("\"abc123\""), "abc123");
  EXPECT_EQ(normalizeEtag("W/\"abc123\""), "abc123");
  EXPECT_EQ(normalizeEtag("abc"), "abc");
}

TEST(HubUnits, LinkHeaderNextPage) {
  EXPECT_EQ(nextPageUrl("<https://huggingface.co/api/models/a/b/tree/"
                        "main?cursor=xyz%3D&recursive=true>; rel=\"next\"",
                        "https://huggingface.co/api/models/a/b/tree/main"),
            "https://huggingface.co/api/models/a/b/tree/main?cursor=xyz%3D&recursive=true");
  EXPECT_EQ(
      nextPageUrl("<https://h/p1>; rel=\"prev\", <https://h/p3>; rel=\"next\"", "https://h/p2"),
      "https://h/p3");
  EXPECT_EQ(nextPageUrl("</api/x?cursor=2>; rel=next", "https://h:8080/api/x"),
            "https://h:8080/api/x?cursor=2");
  EXPECT_EQ(nextPageUrl("<https://h/p1>; rel=\"prev\"", "https://h/p2"), "");
  EXPECT_EQ(nextPageUrl("", "https://h/p2"), "");
}

TEST(HubUnits, UrlsResolveAndQuote) {
  EXPECT_EQ(resolveUrl("http://127.0.0.1:5/a/resolve/c/f.bin", "/lfs-cdn/x?s=1"),
            "http://127.0.0.1:5/lfs-cdn/x?s=1");
  EXPECT_EQ(resolveUrl("http://h/a/b/c", "https://cdn.example/x"), "https://cdn.example/x");
  EXPECT_EQ(resolveUrl("http://h/a/b/c", "d"), "http://h/a/b/d");
  EXPECT_EQ(resolveUrl("http://h/a/b/c", "../d"), "http://h/a/d");
  EXPECT_EQ(resolveUrl("https://h/a", "//cdn/x"), "https://cdn/x");
  EXPECT_EQ(urlOrigin("HTTP://Host:8/x?y"), "http://host:8");
  EXPECT_EQ(urlQuote("refs/pr/1", false), "refs%2Fpr%2F1");
  EXPECT_EQ(urlQuote("a b/c~d.e_f-g", true), "a%20b/c~d.e_f-g");
  HubConfig config;
  config.endpoint = "https://huggingface.co";
  EXPECT_EQ(resolveUrlFor(config, "org/name", "main", "dir/a b.json"),
            "https://huggingface.co/org/name/resolve/main/dir/a%20b.json");
}

TEST(HubUnits, SafeRepoPaths) {
  EXPECT_TRUE(isSafeRepoPath("a/b.json"));
  EXPECT_TRUE(isSafeRepoPath(".gitattributes"));
  EXPECT_FALSE(isSafeRepoPath("../x"));
  EXPECT_FALSE(isSafeRepoPath("a/../../x"));
  EXPECT_FALSE(isSafeRepoPath("/etc/passwd"));
  EXPECT_FALSE(isSafeRepoPath("a//b"));
  EXPECT_FALSE(isSafeRepoPath(""));
}

TEST(HubUnits, Sha256) {
  Sha256 h;
  EXPECT_EQ(h.hexDigest(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  h.update("abc", 3);
  EXPECT_EQ(h.hexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HubUnits, CommitHashes) {
  EXPECT_TRUE(isCommitHash("0123456789abcdef0123456789abcdef01234567"));
  EXPECT_FALSE(isCommitHash("main"));
  EXPECT_FALSE(isCommitHash("0123456789ABCDEF0123456789abcdef01234567"));
}

}  // namespace
}  // namespace fd::test
