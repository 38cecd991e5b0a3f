#include "hub/hub_blob_fetch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "hub/hub_hash.h"

namespace fd::hub {

namespace {

class PartialFile {
 public:
  ~PartialFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status open(const std::string& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return error("create", errno);
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return error("read", errno);
    size_ = static_cast<uint64_t>(st.st_size);
    if (::lseek(fd_, 0, SEEK_END) < 0) return error("seek in", errno);
    return Status::success();
  }
  uint64_t size() const { return size_; }
  Status truncate() {
    if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) < 0) return error("truncate", errno);
    size_ = 0;
    return Status::success();
  }
  bool write(const char* data, size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd_, data, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        writeErrno_ = errno;
        return false;
      }
      data += w;
      n -= static_cast<size_t>(w);
      size_ += static_cast<uint64_t>(w);
    }
    return true;
  }
  int writeErrno() const { return writeErrno_; }
  Status close() {
    if (fd_ >= 0 && ::close(fd_) != 0) {
      fd_ = -1;
      return error("write", errno);
    }
    fd_ = -1;
    return Status::success();
  }
  Status error(const std::string& what, int err) const {
    return makeError(
        ErrorKind::Io,
        "cannot " + what + " " + path_ + ": " + std::strerror(err) +
            (err == ENOSPC ? " (the disk is full: free some space, then download again "
                             "to resume)"
                           : ""));
  }

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  int writeErrno_ = 0;
};

std::string mib(uint64_t bytes) { return std::to_string(bytes) + " bytes"; }

}  // namespace

Result<uint64_t> fetchBlob(const HubConfig& config, const BlobFetch& fetch,
                           const BlobFetchEvents& events) {
  const HubTarget& target = fetch.target;
  PartialFile file;
  if (auto s = file.open(fetch.partialPath); !s) return s.error();
  auto report = [&](int64_t delta) {
    if (events.onBytes && delta != 0) events.onBytes(delta);
  };
  if (file.size() > fetch.expectedSize) {
    // Not a prefix of this file: start over.
    if (auto s = file.truncate(); !s) return s.error();
  }

  Sha256 hash;
  if (fetch.expectedSha256 && file.size() > 0) {
    if (events.onVerifying) events.onVerifying(true);
    auto hashed = hashFilePrefix(fetch.partialPath, file.size(), hash);
    if (events.onVerifying) events.onVerifying(false);
    if (!hashed) return hashed.error();
  }

  uint64_t transferred = 0;
  int failures = 0;
  const int maxAttempts = std::max(1, config.maxAttempts);
  while (file.size() < fetch.expectedSize) {
    if (events.cancel && events.cancel()) return cancelledError(target);
    const uint64_t start = file.size();
    bool badRange = false;
    HttpRequest request;
    request.url = fetch.url;
    if (fetch.sendToken) request.headers = authHeaders(config);
    request.headers.push_back("Accept-Encoding: identity");
    request.rangeStart = start;
    request.connectTimeoutSeconds = config.connectTimeoutSeconds;
    request.stallTimeoutSeconds = config.stallTimeoutSeconds;
    request.shouldAbort = events.cancel;
    request.onBodyStart = [&](long status, const HttpHeaders& headers) {
      if (start == 0) return true;
      if (status == 200) {
        // The server ignored the Range: take the whole file from the start.
        if (!file.truncate()) return false;
        hash.reset();
        report(-static_cast<int64_t>(start));
        return true;
      }
      auto it = headers.find("Content-Range");
      const std::string expected = "bytes " + std::to_string(start) + "-";
      if (it == headers.end() || it->second.rfind(expected, 0) != 0) {
        badRange = true;
        return false;
      }
      return true;
    };
    request.sink = [&](const char* data, size_t n) {
      if (file.size() + n > fetch.expectedSize)
        return false;  // more than the file: stop, checked below
      if (!file.write(data, n)) return false;
      if (fetch.expectedSha256) hash.update(data, n);
      transferred += n;
      report(static_cast<int64_t>(n));
      return true;
    };
    const uint64_t before = file.size();
    HttpResponse response = httpRequest(request);
    const bool progressed = file.size() > before;
    if (events.cancel && events.cancel()) return cancelledError(target);
    if (file.writeErrno()) return file.error("write", file.writeErrno()).error();
    if (response.failure == HttpFailure::Aborted && !badRange) {
      // The sink refused bytes past the expected size.
      const uint64_t had = file.size();
      (void)file.close();
      ::unlink(fetch.partialPath.c_str());
      report(-static_cast<int64_t>(had));
      return makeError(ErrorKind::Network, fetch.url + " sent more than the " +
                                               mib(fetch.expectedSize) + " of '" + target.file +
                                               "' (" + target.repo +
                                               "); the partial file was deleted, try again");
    }
    if (response.failure == HttpFailure::None && response.status == 416) {
      // Range not satisfiable: the partial file is not a prefix; start over.
      if (auto s = file.truncate(); !s) return s.error();
      hash.reset();
      report(-static_cast<int64_t>(before));
    }
    const bool complete = file.size() == fetch.expectedSize;
    if (complete) break;
    const bool transient = badRange || response.failure == HttpFailure::Transport ||
                           response.status == 416 || isTransientStatus(response.status) ||
                           (response.ok() && !progressed) || response.ok();
    if (!transient) return hubHttpError(config, target, fetch.url, response);
    failures = progressed ? 1 : failures + 1;
    if (failures >= maxAttempts) {
      if (response.ok() || badRange)
        return makeError(ErrorKind::Network,
                         fetch.url + " ended '" + target.file + "' of " + target.repo + " at " +
                             mib(file.size()) + " of " + mib(fetch.expectedSize) +
                             "; try again (the partial file is kept and resumes)");
      return hubHttpError(config, target, fetch.url, response);
    }
    if (!waitBeforeRetry(config, failures, events.cancel)) return cancelledError(target);
  }
  if (auto s = file.close(); !s) return s.error();

  if (fetch.expectedSha256) {
    const std::string actual = hash.hexDigest();
    if (actual != *fetch.expectedSha256) {
      ::unlink(fetch.partialPath.c_str());
      report(-static_cast<int64_t>(fetch.expectedSize));
      return makeError(
          ErrorKind::Network,
          "'" + target.file + "' of " + target.repo + " from " + fetch.url +
              " does not match its sha256 (expected " + *fetch.expectedSha256 + ", got " + actual +
              "): the download was corrupted on the way and has been deleted; try again");
    }
  }
  return transferred;
}

}  // namespace fd::hub
