#include "mock_hub.h"

#include <httplib.h>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>

namespace fd::test {

namespace {

std::string hexDigest(const EVP_MD* md, const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, md, nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::string percentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string queryParam(const std::string& query, const std::string& name) {
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    std::string part = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    auto eq = part.find('=');
    if (part.substr(0, eq) == name)
      return eq == std::string::npos ? "" : percentDecode(part.substr(eq + 1));
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return "";
}

std::string lfsPointer(const std::string& sha256, size_t size) {
  return "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256 + "\nsize " +
         std::to_string(size) + "\n";
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string quote(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

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
             const std::string& message) {
    res.status = status;
    if (!code.empty()) res.set_header("X-Error-Code", code);
    res.set_header("X-Error-Message", message);
    res.set_content(nlohmann::json{{"error", message}}.dump(), "application/json");
  }

  // Token rules of every hub endpoint; false when an error was set.
  bool checkToken(const httplib::Request& req, httplib::Response& res) {
    std::string auth = req.get_header_value("Authorization");
    if (auth.empty()) return true;
    std::lock_guard<std::mutex> lock(mutex);
    if (knownTokens.empty()) return true;
    std::string token = auth.rfind("Bearer ", 0) == 0 ? auth.substr(7) : auth;
    if (knownTokens.count(token)) return true;
    error(res, 401, "", "Invalid credentials in Authorization header");
    return false;
  }

  // The bytes of a file, Range honoured, with the cut / corrupt / throttle knobs.
  void serveBytes(const httplib::Request& req, httplib::Response& res, const File& f) {
    res.set_header("Accept-Ranges", "bytes");
    const std::string& bytes = f.file.bytes;
    if (!req.ranges.empty()) {
      const auto [first, last] = req.ranges.front();
      if (first >= 0 && static_cast<size_t>(first) >= bytes.size()) {
        res.status = 416;
        res.set_header("Content-Range", "bytes */" + std::to_string(bytes.size()));
        return;
      }
      (void)last;
    }
    if (bytes.empty()) {
      res.status = 200;
      res.set_content("", "application/octet-stream");
      return;
    }
    res.status = req.ranges.empty() ? 200 : 206;
    if (req.method == "HEAD") {
      res.set_content_provider(bytes.size(), "application/octet-stream",
                               [](size_t, size_t, httplib::DataSink&) { return false; });
      return;
    }
    std::string served = bytes;
    uint64_t cutAfter = UINT64_MAX;
    uint64_t bps = 0;
    uint64_t stallAfter = UINT64_MAX;
    std::chrono::milliseconds stallFor{0};
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (corrupt.count(f.file.path))
        served[served.size() / 2] = static_cast<char>(served[served.size() / 2] ^ 0x5a);
      if (auto it = cuts.find(f.file.path); it != cuts.end()) {
        cutAfter = it->second;
        cuts.erase(it);
      }
      bps = throttle;
      if (auto it = stalls.find(f.file.path); it != stalls.end()) {
        stallAfter = it->second.first;
        stallFor = it->second.second;
        stalls.erase(it);
      }
    }
    auto written = std::make_shared<uint64_t>(0);
    auto content = std::make_shared<std::string>(std::move(served));
    res.set_content_provider(
        content->size(), "application/octet-stream",
        [this, content, written, cutAfter, bps, stallAfter, stallFor](size_t offset, size_t length,
                                                                      httplib::DataSink& sink) {
          size_t chunk =
              std::min<size_t>(length, bps ? std::max<uint64_t>(1024, bps / 20) : 64 * 1024);
          if (cutAfter != UINT64_MAX) {
            if (*written >= cutAfter) return false;  // close the connection mid-body
            chunk = static_cast<size_t>(std::min<uint64_t>(chunk, cutAfter - *written));
          }
          if (stallAfter != UINT64_MAX) {
            if (*written == stallAfter) {
              for (auto until = std::chrono::steady_clock::now() + stallFor;
                   std::chrono::steady_clock::now() < until && !stopping;)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            } else if (*written < stallAfter) {
              chunk = static_cast<size_t>(std::min<uint64_t>(chunk, stallAfter - *written));
            }
          }
          if (bps) std::this_thread::sleep_for(std::chrono::microseconds(chunk * 1000000ull / bps));
          // Counted before they leave: a client that has them sees them counted.
          contentBytes += chunk;
          if (!sink.write(content->data() + offset, chunk)) return false;
          *written += chunk;
          return true;
        });
  }

  void handleRevision(const httplib::Request& req, httplib::Response& res,
                      const std::string& repoId, const std::string& revision) {
    const Repo* r = findRepo(repoId);
    if (!r) return error(res, missingRepoStatus, "RepoNotFound", "Repository not found");
    const std::string commit = commitFor(*r, revision);
    if (commit.empty()) return error(res, 404, "RevisionNotFound", "Invalid rev id: " + revision);
    nlohmann::json siblings = nlohmann::json::array();
    uint64_t storage = 0;
    for (const auto& f : r->files) {
      siblings.push_back({{"rfilename", f.file.path}});
      storage += f.file.bytes.size();
    }
    const auto slash = repoId.find('/');
    nlohmann::json info = {
        {"_id", commit.substr(0, 24)},
        {"id", repoId},
        {"modelId", repoId},
        {"author", slash == std::string::npos ? repoId : repoId.substr(0, slash)},
        {"sha", commit},
        {"lastModified", "2024-08-01T12:00:00.000Z"},
        {"createdAt", "2024-08-01T12:00:00.000Z"},
        {"private", false},
        {"disabled", false},
        {"gated", r->repo.gated ? nlohmann::json("manual") : nlohmann::json(false)},
        {"downloads", 0},
        {"likes", 0},
        {"tags", nlohmann::json::array()},
        {"library_name", "diffusers"},
        {"siblings", siblings},
        {"usedStorage", storage}};
    res.status = 200;
    res.set_content(info.dump(), "application/json; charset=utf-8");
  }

  void handleTree(const httplib::Request& req, httplib::Response& res, const std::string& repoId,
                  const std::string& revision, const std::string& query) {
    const Repo* r = findRepo(repoId);
    if (!r) return error(res, missingRepoStatus, "RepoNotFound", "Repository not found");
    const std::string commit = commitFor(*r, revision);
    if (commit.empty()) return error(res, 404, "RevisionNotFound", "Invalid rev id: " + revision);
    // Folders first where they start, then their files (as the hub lists them recursively).
    nlohmann::json all = nlohmann::json::array();
    std::set<std::string> folders;
    for (const auto& f : r->files) {
      for (size_t slash = f.file.path.find('/'); slash != std::string::npos;
           slash = f.file.path.find('/', slash + 1)) {
        std::string folder = f.file.path.substr(0, slash);
        if (folders.insert(folder).second)
          all.push_back({{"type", "directory"},
                         {"oid", fakeCommit("tree:" + folder)},
                         {"size", 0},
                         {"path", folder}});
      }
      nlohmann::json entry = {{"type", "file"},
                              {"oid", f.gitSha1},
                              {"size", f.file.bytes.size()},
                              {"path", f.file.path}};
      if (f.file.lfs)
        entry["lfs"] = {
            {"oid", f.sha256}, {"size", f.file.bytes.size()}, {"pointerSize", f.pointer.size()}};
      all.push_back(entry);
    }
    size_t page;
    {
      std::lock_guard<std::mutex> lock(mutex);
      page = pageSize;
    }
    size_t start = 0;
    if (std::string cursor = queryParam(query, "cursor"); !cursor.empty())
      start = std::stoul(cursor);
    nlohmann::json out = nlohmann::json::array();
    size_t end = page == 0 ? all.size() : std::min(all.size(), start + page);
    for (size_t i = start; i < end; ++i) out.push_back(all[i]);
    if (end < all.size()) {
      res.set_header("Link", "<" + endpoint() + "/api/models/" + repoId + "/tree/" +
                                 quote(revision) + "?recursive=true&expand=false&cursor=" +
                                 std::to_string(end) + ">; rel=\"next\"");
    }
    res.status = 200;
    res.set_content(out.dump(), "application/json; charset=utf-8");
  }

  void resolveHeaders(httplib::Response& res, const std::string& commit, const File& f) {
    res.set_header("X-Repo-Commit", commit);
    if (f.file.lfs) {
      res.set_header("X-Linked-Etag", quoted(f.sha256));
      res.set_header("X-Linked-Size", std::to_string(f.file.bytes.size()));
    }
  }

  void handleResolve(const httplib::Request& req, httplib::Response& res, const std::string& repoId,
                     const std::string& revision, const std::string& path) {
    const Repo* r = findRepo(repoId);
    if (!r) return error(res, missingRepoStatus, "RepoNotFound", "Repository not found");
    if (r->repo.gated) {
      std::string auth = req.get_header_value("Authorization");
      std::string token = auth.rfind("Bearer ", 0) == 0 ? auth.substr(7) : auth;
      if (auth.empty())
        return error(res, 401, "GatedRepo",
                     "Access to model " + repoId +
                         " is restricted. You must have access to it and be authenticated to "
                         "access it. Please log in.");
      if (!r->repo.accessTokens.count(token))
        return error(res, 403, "GatedRepo",
                     "Access to model " + repoId +
                         " is restricted and you are not in the authorized list. Visit " +
                         endpoint() + "/" + repoId + " to ask for access.");
    }
    const std::string commit = commitFor(*r, revision);
    if (commit.empty()) return error(res, 404, "RevisionNotFound", "Invalid rev id: " + revision);
    const File* file = nullptr;
    for (const auto& f : r->files)
      if (f.file.path == path) file = &f;
    if (!file) {
      res.set_header("X-Repo-Commit", commit);
      return error(res, 404, "EntryNotFound", "Entry not found");
    }
    resolveHeaders(res, commit, *file);
    if (!file->file.lfs) {
      res.set_header("ETag", quoted(file->gitSha1));
      return serveBytes(req, res, *file);
    }
    LfsRedirect mode;
    {
      std::lock_guard<std::mutex> lock(mutex);
      mode = redirect;
    }
    if (mode == LfsRedirect::None) {
      res.set_header("ETag", quoted(file->sha256));
      return serveBytes(req, res, *file);
    }
    res.set_header("ETag", quoted(file->gitSha1));
    const std::string where = "/lfs-cdn/" + commit + "/" + file->sha256;
    res.status = 302;
    res.set_header("Location",
                   mode == LfsRedirect::Absolute
                       ? cdnEndpoint() + where + "?X-Amz-Signature=mock&X-Amz-Expires=3600"
                       : where);
    res.set_content("Found. Redirecting to " + where, "text/plain; charset=utf-8");
  }

  void handleCdn(const httplib::Request& req, httplib::Response& res, const std::string& rest,
                 bool onHub) {
    auto slash = rest.find('/');
    const std::string commit = rest.substr(0, slash);
    const std::string sha = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (!onHub && req.has_header("Authorization")) {
      // S3 refuses a signed URL that also carries an Authorization header.
      res.status = 400;
      res.set_content(
          "<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism "
          "allowed</Message></Error>",
          "application/xml");
      return;
    }
    for (const auto& r : repos) {
      for (const auto& f : r.files) {
        if (!f.file.lfs || f.sha256 != sha) continue;
        if (onHub) resolveHeaders(res, commit, f);
        res.set_header("ETag", quoted(f.sha256));
        return serveBytes(req, res, f);
      }
    }
    res.status = 404;
    res.set_content("<Error><Code>NoSuchKey</Code></Error>", "application/xml");
  }

  void handle(const httplib::Request& req, httplib::Response& res, bool isCdn) {
    std::chrono::milliseconds wait;
    {
      std::lock_guard<std::mutex> lock(mutex);
      wait = delay;
    }
    // Slices, so that stop() does not wait for a delayed answer.
    for (auto until = std::chrono::steady_clock::now() + wait;
         std::chrono::steady_clock::now() < until && !stopping;)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const std::string target = req.target;
    const std::string rawPath = target.substr(0, target.find('?'));
    const std::string query =
        target.find('?') == std::string::npos ? "" : target.substr(target.find('?') + 1);
    const std::string path = percentDecode(rawPath);
    dispatch(req, res, isCdn, rawPath, query);
    std::lock_guard<std::mutex> lock(mutex);
    log.push_back({isCdn ? "cdn" : "hub", req.method, path, target, req.get_header_value("Range"),
                   req.get_header_value("Authorization"), res.status});
  }

  void dispatch(const httplib::Request& req, httplib::Response& res, bool isCdn,
                const std::string& rawPath, const std::string& query) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      const std::string decoded = percentDecode(rawPath);
      for (auto& f : failures) {
        if (f.count > 0 && decoded.find(f.pathPart) != std::string::npos) {
          --f.count;
          res.status = f.status;
          res.set_content("injected failure", "text/plain");
          return;
        }
      }
    }
    if (req.method != "GET" && req.method != "HEAD") {
      res.status = 405;
      return;
    }
    if (rawPath.rfind("/lfs-cdn/", 0) == 0) return handleCdn(req, res, rawPath.substr(9), !isCdn);
    if (isCdn) {
      res.status = 404;
      return;
    }
    if (!checkToken(req, res)) return;
    const std::string api = "/api/models/";
    if (rawPath.rfind(api, 0) == 0) {
      const std::string rest = rawPath.substr(api.size());
      for (const std::string kind : {"/revision/", "/tree/"}) {
        auto at = rest.find(kind);
        if (at == std::string::npos) continue;
        const std::string repoId = percentDecode(rest.substr(0, at));
        std::string after = rest.substr(at + kind.size());
        const std::string revision = percentDecode(after.substr(0, after.find('/')));
        if (kind == "/revision/") return handleRevision(req, res, repoId, revision);
        return handleTree(req, res, repoId, revision, query);
      }
      return error(res, 404, "", "Sorry, we can't find the page you are looking for.");
    }
    auto at = rawPath.find("/resolve/");
    if (at != std::string::npos && at > 1) {
      const std::string repoId = percentDecode(rawPath.substr(1, at - 1));
      const std::string after = rawPath.substr(at + 9);
      auto slash = after.find('/');
      if (slash != std::string::npos)
        return handleResolve(req, res, repoId, percentDecode(after.substr(0, slash)),
                             percentDecode(after.substr(slash + 1)));
    }
    error(res, 404, "", "Sorry, we can't find the page you are looking for.");
  }
};

MockHub::MockHub(std::vector<MockRepo> repos) : impl_(std::make_unique<Impl>()) {
  for (auto& r : repos) {
    Impl::Repo repo;
    if (r.revisions.empty()) r.revisions["main"] = fakeCommit(r.id);
    for (const auto& f : r.files) {
      Impl::File file{f, "", sha256(f.bytes), ""};
      if (f.lfs) {
        file.pointer = lfsPointer(file.sha256, f.bytes.size());
        file.gitSha1 = gitBlobSha1(file.pointer);
      } else {
        file.gitSha1 = gitBlobSha1(f.bytes);
      }
      repo.files.push_back(std::move(file));
    }
    std::sort(repo.files.begin(), repo.files.end(),
              [](const Impl::File& a, const Impl::File& b) { return a.file.path < b.file.path; });
    repo.repo = std::move(r);
    impl_->repos.push_back(std::move(repo));
  }
  for (auto* server : {&impl_->hub, &impl_->cdn}) {
    const bool isCdn = server == &impl_->cdn;
    server->new_task_queue = [] { return new httplib::ThreadPool(16); };
    // One request per connection ("Connection: close"): a client's idle
    // keep-alive connection would hold stop() for the keep-alive timeout.
    server->set_keep_alive_max_count(1);
    server->set_pre_routing_handler(
        [this, isCdn](const httplib::Request& req, httplib::Response& res) {
          impl_->handle(req, res, isCdn);
          return httplib::Server::HandlerResponse::Handled;
        });
  }
}

MockHub::~MockHub() { stop(); }

bool MockHub::start() {
  impl_->stopping = false;
  impl_->hubPort = impl_->hub.bind_to_any_port("127.0.0.1");
  impl_->cdnPort = impl_->cdn.bind_to_any_port("127.0.0.1");
  if (impl_->hubPort <= 0 || impl_->cdnPort <= 0) return false;
  impl_->hubThread = std::thread([this] { impl_->hub.listen_after_bind(); });
  impl_->cdnThread = std::thread([this] { impl_->cdn.listen_after_bind(); });
  for (int i = 0; i < 200 && !(impl_->hub.is_running() && impl_->cdn.is_running()); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return impl_->hub.is_running() && impl_->cdn.is_running();
}

void MockHub::stop() {
  impl_->stopping = true;
  impl_->hub.stop();
  impl_->cdn.stop();
  if (impl_->hubThread.joinable()) impl_->hubThread.join();
  if (impl_->cdnThread.joinable()) impl_->cdnThread.join();
}

std::string MockHub::endpoint() const { return impl_->endpoint(); }
std::string MockHub::cdnEndpoint() const { return impl_->cdnEndpoint(); }

std::string MockHub::commitOf(const std::string& repo, const std::string& revision) const {
  const Impl::Repo* r = impl_->findRepo(repo);
  return r ? Impl::commitFor(*r, revision) : "";
}

std::string MockHub::gitBlobSha1(const std::string& bytes) {
  return hexDigest(EVP_sha1(),
                   "blob " + std::to_string(bytes.size()) + std::string(1, '\0') + bytes);
}
std::string MockHub::sha256(const std::string& bytes) { return hexDigest(EVP_sha256(), bytes); }
std::string MockHub::fakeCommit(const std::string& seed) {
  return hexDigest(EVP_sha1(), "commit:" + seed);
}

void MockHub::setLfsRedirect(LfsRedirect mode) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->redirect = mode;
}
void MockHub::setTreePageSize(size_t entries) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->pageSize = entries;
}
void MockHub::setKnownTokens(std::set<std::string> tokens) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->knownTokens = std::move(tokens);
}
void MockHub::setMissingRepoStatus(int status) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->missingRepoStatus = status;
}
void MockHub::cutTransferOnce(const std::string& repoPath, uint64_t bytes) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->cuts[repoPath] = bytes;
}
void MockHub::stallTransferOnce(const std::string& repoPath, uint64_t bytes,
                                std::chrono::milliseconds pause) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->stalls[repoPath] = {bytes, pause};
}
void MockHub::corruptFile(const std::string& repoPath) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->corrupt.insert(repoPath);
}
void MockHub::setResponseDelay(std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->delay = delay;
}
void MockHub::setThrottle(uint64_t bytesPerSecond) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->throttle = bytesPerSecond;
}
void MockHub::failNext(const std::string& pathPart, int status, int count) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->failures.push_back({pathPart, status, count});
}

std::vector<MockRequest> MockHub::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->log;
}

size_t MockHub::requestCount(const std::string& path, const std::string& method) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return size_t(std::count_if(impl_->log.begin(), impl_->log.end(), [&](const MockRequest& r) {
    return r.path == path && (method.empty() || r.method == method);
  }));
}

size_t MockHub::requestCountContaining(const std::string& pathPart,
                                       const std::string& method) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return size_t(std::count_if(impl_->log.begin(), impl_->log.end(), [&](const MockRequest& r) {
    return r.path.find(pathPart) != std::string::npos && (method.empty() || r.method == method);
  }));
}

uint64_t MockHub::contentBytesServed() const { return impl_->contentBytes.load(); }

void MockHub::clearRequests() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->log.clear();
  impl_->contentBytes = 0;
}

}  // namespace fd::test
