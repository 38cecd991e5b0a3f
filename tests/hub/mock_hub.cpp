// The mock hub's public face (mock_hub.h): repositories in, servers up and
// down, test knobs, the request log.

#include "mock_hub.h"

#include <algorithm>

#include "mock_hub_impl.h"
#include "mock_hub_wire.h"

namespace fd::test {

using namespace hub_wire;  // the mock hub's own helpers

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
