#pragma once
// A Hugging Face hub on 127.0.0.1 for tests (library fluxdesk_mock_hub):
// the endpoints a snapshot download uses, answering with the real hub's
// headers and JSON, plus knobs for what goes wrong on real networks.
//
//   MockHub hub({{"org/model", {{"config.json", "{}"}, {"model.safetensors", bytes,
//   /*lfs=*/true}}}}); ASSERT_TRUE(hub.start()); setenv("HF_ENDPOINT", hub.endpoint().c_str(), 1);
//   // or HubConfig::endpoint
//
// Endpoints (as huggingface.co):
//   GET  /api/models/{repo}/revision/{rev}     {"id", "sha", "siblings", ...}
//   GET  /api/models/{repo}/tree/{rev}?recursive=true
//   [{"type","path","size","oid","lfs":{oid,size,pointerSize}}]
//        pages of setTreePageSize(N) entries, `Link: <...&cursor=K>; rel="next"`
//   HEAD|GET /{repo}/resolve/{rev}/{path}
//        regular file: 200, ETag "<git blob sha1>", X-Repo-Commit, Content-Length, the bytes
//        (Range: 206) LFS file: 302 to the bytes (see setLfsRedirect), X-Repo-Commit, X-Linked-Etag
//        "<sha256>", X-Linked-Size, ETag "<pointer file's git sha1>"
//   HEAD|GET /lfs-cdn/{commit}/{sha256}  on the CDN server (another port: another origin, so
//        clients must not send their token) or on the hub itself (a relative Location, which
//        clients follow in HEAD too: those answers carry the resolve headers)
// Errors as the hub sends them: 404 + X-Error-Code RepoNotFound / RevisionNotFound /
// EntryNotFound (+ X-Error-Message); a gated repository: 401 without a token, 403 with a
// token of an account without access (X-Error-Code GatedRepo); a token not in knownTokens:
// 401 "Invalid credentials in Authorization header".
//
// Thread-safe: knobs may change while the server runs. Request counts and
// content bytes served let tests assert that nothing is fetched twice.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace fd::test {

struct MockFile {
  std::string path;  // repo path, "a/b.json"
  std::string bytes;
  bool lfs = false;  // stored in LFS: sha256 etag, bytes behind a redirect
};

struct MockRepo {
  std::string id;  // "org/name"
  std::vector<MockFile> files;
  // branch/tag -> commit; empty: {"main": a commit from the id}
  std::map<std::string, std::string> revisions;
  bool gated = false;                  // resolve needs a token in accessTokens
  std::set<std::string> accessTokens;  // tokens of accounts that accepted the licence
};

struct MockRequest {
  std::string server;         // "hub" or "cdn"
  std::string method;         // "GET", "HEAD"
  std::string path;           // decoded path, no query
  std::string target;         // as sent (path and query)
  std::string range;          // Range header, "" when none
  std::string authorization;  // Authorization header, "" when none
  int status = 0;
};

class MockHub {
 public:
  enum class LfsRedirect {
    Absolute,
    Relative,
    None
  };  // None: the resolve URL serves the bytes itself

  explicit MockHub(std::vector<MockRepo> repos);
  ~MockHub();
  MockHub(const MockHub&) = delete;
  MockHub& operator=(const MockHub&) = delete;

  bool start();  // both servers on 127.0.0.1, free ports; false when they cannot listen
  void stop();
  std::string endpoint() const;     // "http://127.0.0.1:PORT" (no trailing slash)
  std::string cdnEndpoint() const;  // the CDN server

  // Data helpers.
  std::string commitOf(const std::string& repo, const std::string& revision = "main") const;
  static std::string gitBlobSha1(const std::string& bytes);  // a regular file's ETag
  static std::string sha256(const std::string& bytes);       // an LFS file's ETag
  static std::string fakeCommit(const std::string& seed);    // 40 hex digits

  // Knobs.
  void setLfsRedirect(LfsRedirect mode);
  void setTreePageSize(size_t entries);               // 0: one page (default)
  void setKnownTokens(std::set<std::string> tokens);  // empty (default): any token is valid
  void setMissingRepoStatus(int status);  // 404 (default); the real hub says 401 without a token
  // The next transfer of this file's bytes (any server) closes the
  // connection after `bytes` body bytes (the headers promise the whole file).
  void cutTransferOnce(const std::string& repoPath, uint64_t bytes);
  // The next transfer of this file's bytes stops sending after `bytes` body
  // bytes for `pause` (the connection stays open), then goes on.
  void stallTransferOnce(const std::string& repoPath, uint64_t bytes,
                         std::chrono::milliseconds pause);
  // Serves this file's bytes with one byte changed (the metadata stays right).
  void corruptFile(const std::string& repoPath);
  void setResponseDelay(std::chrono::milliseconds delay);  // before every answer
  void setThrottle(uint64_t bytesPerSecond);               // content bodies; 0: no limit
  // Answers the next `count` requests on paths containing `pathPart` with `status` (e.g. 503).
  void failNext(const std::string& pathPart, int status, int count);

  // Observations.
  std::vector<MockRequest> requests() const;
  size_t requestCount(const std::string& path, const std::string& method = "") const;
  size_t requestCountContaining(const std::string& pathPart, const std::string& method = "") const;
  uint64_t contentBytesServed() const;  // file bytes written in bodies (both servers)
  void clearRequests();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fd::test
