#pragma once
// The mock hub's state and request handlers (mock_hub.h), shared by its
// files: mock_hub.cpp (the public class), mock_hub_routes.cpp (the hub's and
// the CDN's endpoints), mock_hub_transfer.cpp (file bytes: ranges and the
// cut, stall, corrupt and throttle knobs).

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "mock_hub.h"

namespace fd::test {

struct MockHub::Impl {
  struct File {
    MockFile file;
    std::string gitSha1;  // of the bytes (regular) or of the pointer (LFS)
    std::string sha256;
    std::string pointer;  // LFS pointer text
  };
  struct Repo {
    MockRepo repo;
    std::vector<File> files;  // sorted by path
  };

  std::vector<Repo> repos;
  httplib::Server hub, cdn;
  std::thread hubThread, cdnThread;
  int hubPort = 0, cdnPort = 0;

  mutable std::mutex mutex;
  LfsRedirect redirect = LfsRedirect::Absolute;
  size_t pageSize = 0;
  std::set<std::string> knownTokens;
  int missingRepoStatus = 404;
  std::map<std::string, uint64_t> cuts;  // repo path -> bytes
  std::map<std::string, std::pair<uint64_t, std::chrono::milliseconds>> stalls;
  std::set<std::string> corrupt;
  std::chrono::milliseconds delay{0};
  uint64_t throttle = 0;
  struct Failure {
    std::string pathPart;
    int status;
    int count;
  };
  std::vector<Failure> failures;
  std::vector<MockRequest> log;
  std::atomic<uint64_t> contentBytes{0};
  std::atomic<bool> stopping{false};

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(hubPort); }
  std::string cdnEndpoint() const { return "http://127.0.0.1:" + std::to_string(cdnPort); }

  const Repo* findRepo(const std::string& id) const {
    for (const auto& r : repos)
      if (r.repo.id == id) return &r;
    return nullptr;
  }

  static std::string commitFor(const Repo& r, const std::string& revision) {
    auto it = r.repo.revisions.find(revision);
    if (it != r.repo.revisions.end()) return it->second;
    for (const auto& [name, commit] : r.repo.revisions)
      if (commit == revision) return commit;
    return "";
  }

  void error(httplib::Response& res, int status, const std::string& code,
             const std::string& message);

  // Token rules of every hub endpoint; false when an error was set.
  bool checkToken(const httplib::Request& req, httplib::Response& res);

  // The bytes of a file, Range honoured, with the cut / corrupt / throttle knobs.
  void serveBytes(const httplib::Request& req, httplib::Response& res, const File& f);

  void handleRevision(const httplib::Request& req, httplib::Response& res,
                      const std::string& repoId, const std::string& revision);

  void handleTree(const httplib::Request& req, httplib::Response& res, const std::string& repoId,
                  const std::string& revision, const std::string& query);

  void resolveHeaders(httplib::Response& res, const std::string& commit, const File& f);

  void handleResolve(const httplib::Request& req, httplib::Response& res, const std::string& repoId,
                     const std::string& revision, const std::string& path);

  void handleCdn(const httplib::Request& req, httplib::Response& res, const std::string& rest,
                 bool onHub);

  void handle(const httplib::Request& req, httplib::Response& res, bool isCdn);

  void dispatch(const httplib::Request& req, httplib::Response& res, bool isCdn,
                const std::string& rawPath, const std::string& query);
};

}  // namespace fd::test
