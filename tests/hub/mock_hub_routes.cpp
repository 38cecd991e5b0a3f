// The mock hub's endpoints: model info by revision, the paginated tree,
// resolve (with its redirects to the CDN), the CDN itself, token rules,
// injected failures and the request log.

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "mock_hub_impl.h"
#include "mock_hub_wire.h"

namespace fd::test {

using namespace hub_wire;  // the mock hub's own helpers

void MockHub::Impl::error(httplib::Response& res, int status, const std::string& code,
                          const std::string& message) {
  res.status = status;
  if (!code.empty()) res.set_header("X-Error-Code", code);
  res.set_header("X-Error-Message", message);
  res.set_content(nlohmann::json{{"error", message}}.dump(), "application/json");
}

bool MockHub::Impl::checkToken(const httplib::Request& req, httplib::Response& res) {
  std::string auth = req.get_header_value("Authorization");
  if (auth.empty()) return true;
  std::lock_guard<std::mutex> lock(mutex);
  if (knownTokens.empty()) return true;
  std::string token = auth.rfind("Bearer ", 0) == 0 ? auth.substr(7) : auth;
  if (knownTokens.count(token)) return true;
  error(res, 401, "", "Invalid credentials in Authorization header");
  return false;
}

void MockHub::Impl::handleRevision(const httplib::Request& req, httplib::Response& res,
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

void MockHub::Impl::handleTree(const httplib::Request& req, httplib::Response& res,
                               const std::string& repoId, const std::string& revision,
                               const std::string& query) {
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
    nlohmann::json entry = {
        {"type", "file"}, {"oid", f.gitSha1}, {"size", f.file.bytes.size()}, {"path", f.file.path}};
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
  if (std::string cursor = queryParam(query, "cursor"); !cursor.empty()) start = std::stoul(cursor);
  nlohmann::json out = nlohmann::json::array();
  size_t end = page == 0 ? all.size() : std::min(all.size(), start + page);
  for (size_t i = start; i < end; ++i) out.push_back(all[i]);
  if (end < all.size()) {
    res.set_header("Link", "<" + endpoint() + "/api/models/" + repoId + "/tree/" + quote(revision) +
                               "?recursive=true&expand=false&cursor=" + std::to_string(end) +
                               ">; rel=\"next\"");
  }
  res.status = 200;
  res.set_content(out.dump(), "application/json; charset=utf-8");
}

void MockHub::Impl::resolveHeaders(httplib::Response& res, const std::string& commit,
                                   const File& f) {
  res.set_header("X-Repo-Commit", commit);
  if (f.file.lfs) {
    res.set_header("X-Linked-Etag", quoted(f.sha256));
    res.set_header("X-Linked-Size", std::to_string(f.file.bytes.size()));
  }
}

void MockHub::Impl::handleResolve(const httplib::Request& req, httplib::Response& res,
                                  const std::string& repoId, const std::string& revision,
                                  const std::string& path) {
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

void MockHub::Impl::handleCdn(const httplib::Request& req, httplib::Response& res,
                              const std::string& rest, bool onHub) {
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

void MockHub::Impl::handle(const httplib::Request& req, httplib::Response& res, bool isCdn) {
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

void MockHub::Impl::dispatch(const httplib::Request& req, httplib::Response& res, bool isCdn,
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

}  // namespace fd::test
