#include "hub/hub_api.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>

namespace fd::hub {

namespace {

const char* kTokenHowTo =
    "set HF_TOKEN, run `hf auth login`, or enter it in FluxDesk's Models window (fluxdesk-cli "
    "download: --token)";

bool isHex(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string what(const HubTarget& t) {
  if (!t.file.empty()) return "'" + t.file + "' of " + t.repo;
  return t.repo;
}

std::string hubSaid(const HttpResponse& r) {
  std::string message = r.header("X-Error-Message");
  if (message.empty()) {
    // The hub also puts its reason in a JSON body: {"error": "..."}.
    auto json = nlohmann::json::parse(r.body, nullptr, false);
    if (json.is_object() && json.contains("error") && json["error"].is_string())
      message = json["error"];
  }
  return message.empty() ? std::string() : " (the hub said: " + message + ")";
}

double retryAfterSeconds(const HttpResponse& r) {
  const std::string value = r.header("Retry-After");
  if (value.empty()) return -1;
  char* end = nullptr;
  double seconds = std::strtod(value.c_str(), &end);
  if (end == value.c_str() || seconds < 0) return -1;
  return std::min(seconds, 60.0);
}

// One GET of the hub's API with retries; the hub's errors mapped.
Result<HttpResponse> getApi(const HubConfig& config, const HubTarget& target,
                            const std::string& url, const HubCancelCheck& cancel) {
  HttpRequest request;
  request.url = url;
  request.headers = authHeaders(config);
  request.acceptCompressed = true;
  request.connectTimeoutSeconds = config.connectTimeoutSeconds;
  request.stallTimeoutSeconds = config.stallTimeoutSeconds;
  HttpResponse response = requestWithRetries(config, request, cancel);
  if (response.failure == HttpFailure::Aborted) return cancelledError(target);
  if (!response.ok()) return hubHttpError(config, target, url, response);
  return response;
}

Result<nlohmann::json> getJson(const HubConfig& config, const HubTarget& target,
                               const std::string& url, const HubCancelCheck& cancel) {
  auto response = getApi(config, target, url, cancel);
  if (!response) return response.error();
  auto json = nlohmann::json::parse(response->body, nullptr, false);
  if (json.is_discarded())
    return makeError(ErrorKind::Network,
                     url + " did not answer with JSON: is HF_ENDPOINT (" + config.endpoint +
                         ") a Hugging Face hub? A proxy or captive portal may be in the way.");
  return json;
}

}  // namespace

std::vector<std::string> authHeaders(const HubConfig& config) {
  if (!config.token) return {};
  return {"authorization: Bearer " + *config.token};
}

bool isTransientStatus(long status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
         status == 504;
}

bool waitBeforeRetry(const HubConfig& config, int attempt, const HubCancelCheck& cancel,
                     double retryAfter) {
  double seconds = config.firstBackoffSeconds;
  for (int i = 1; i < attempt; ++i) seconds *= 2;
  seconds = std::min(seconds, std::max(8.0, config.firstBackoffSeconds));
  if (retryAfter >= 0) seconds = retryAfter;
  using Clock = std::chrono::steady_clock;
  const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(seconds));
  while (Clock::now() < until) {
    if (cancel && cancel()) return false;
    const Clock::duration left = until - Clock::now();
    std::this_thread::sleep_for(std::min<Clock::duration>(left, std::chrono::milliseconds(50)));
  }
  return !(cancel && cancel());
}

HttpResponse requestWithRetries(const HubConfig& config, HttpRequest request,
                                const HubCancelCheck& cancel) {
  if (cancel) request.shouldAbort = cancel;
  const int attempts = std::max(1, config.maxAttempts);
  HttpResponse response;
  for (int attempt = 1;; ++attempt) {
    response = httpRequest(request);
    if (response.failure == HttpFailure::Aborted) return response;
    const bool transient =
        response.failure == HttpFailure::Transport || isTransientStatus(response.status);
    if (!transient || attempt >= attempts) return response;
    if (!waitBeforeRetry(config, attempt, cancel, retryAfterSeconds(response))) {
      response.failure = HttpFailure::Aborted;
      return response;
    }
  }
}

Error cancelledError(const HubTarget& target) {
  return makeError(ErrorKind::Cancelled, "the download of " + target.repo + " was cancelled");
}

Error hubHttpError(const HubConfig& config, const HubTarget& target, const std::string& url,
                   const HttpResponse& r) {
  const std::string page = config.endpoint + "/" + target.repo;
  const bool tokenSent = config.token.has_value();
  const std::string tokenFrom = config.tokenSource.empty() ? "" : " from " + config.tokenSource;
  if (r.failure == HttpFailure::Aborted) return cancelledError(target);
  if (r.failure == HttpFailure::Transport) {
    return makeError(
        ErrorKind::Network,
        "could not download " + what(target) + ": " + url + " failed (" + r.failureMessage +
            ") after " + std::to_string(std::max(1, config.maxAttempts)) +
            " attempts; check the network connection and proxy settings (https_proxy), then try "
            "again (finished files are kept and a partial file resumes)");
  }
  const std::string code = r.header("X-Error-Code");
  const std::string message = r.header("X-Error-Message");
  const long status = r.status;

  if (code == "GatedRepo") {
    if (!tokenSent)
      return makeError(
          ErrorKind::AccessDenied,
          target.repo + " is a gated repository and no token was sent: accept its licence at " +
              page +
              " with your Hugging Face account, then give FluxDesk a read token of that account (" +
              kTokenHowTo + ")" + hubSaid(r));
    return makeError(
        ErrorKind::AccessDenied,
        target.repo + " is a gated repository and the token" + tokenFrom +
            " was refused: accept the licence at " + page +
            " with the account the token belongs to (access can take a moment to be granted), or "
            "use a token of an account that has access (" +
            kTokenHowTo + ")" + hubSaid(r));
  }
  if (status == 401 && tokenSent && code.empty()) {
    return makeError(ErrorKind::AccessDenied,
                     "the token" + tokenFrom + " is not valid for " + config.endpoint + hubSaid(r) +
                         ": create a read token at " + config.endpoint +
                         "/settings/tokens and give it to FluxDesk (" + kTokenHowTo + ")");
  }
  if (code == "RevisionNotFound") {
    return makeError(ErrorKind::ModelMissing,
                     "revision '" + target.revision + "' of " + target.repo + " was not found on " +
                         config.endpoint +
                         ": check the branch, tag or commit name (the default is main)" +
                         hubSaid(r));
  }
  if (code == "EntryNotFound") {
    return makeError(ErrorKind::ModelMissing,
                     "file '" + target.file + "' is not in " + target.repo + " at revision " +
                         target.revision + " (" + url + "): check the file name" + hubSaid(r));
  }
  // The hub answers 401 (not 404) for a private repository without a token,
  // and for one that does not exist: say both.
  if (code == "RepoNotFound" || (status == 401 && !tokenSent) ||
      (status == 404 && target.file.empty())) {
    std::string hint = tokenSent
                           ? "; if it is private, the token" + tokenFrom + " cannot read it"
                           : "; if it is private, give a token of an account that can read it (" +
                                 std::string(kTokenHowTo) + ")";
    return makeError(ErrorKind::ModelMissing,
                     "repository " + target.repo + " was not found on " + config.endpoint +
                         ": check its name (org/name, as in " + page + ")" + hint + hubSaid(r));
  }
  if (status == 403) {
    return makeError(
        ErrorKind::AccessDenied,
        config.endpoint + " refused access to " + what(target) + " (403)" + hubSaid(r) +
            (tokenSent ? ": make sure the token" + tokenFrom + " has read access to " + page
                       : ": give FluxDesk a token of an account that can read " + page + " (" +
                             kTokenHowTo + ")"));
  }
  if (status == 404) {
    return makeError(ErrorKind::ModelMissing,
                     url + " was not found (404) while downloading " + what(target) + hubSaid(r));
  }
  if (status == 400) {
    return makeError(ErrorKind::BadRequest,
                     config.endpoint + " rejected the request " + url + " (400)" + hubSaid(r));
  }
  if (isTransientStatus(status) || status >= 500) {
    return makeError(ErrorKind::Network,
                     config.endpoint + " answered " + std::to_string(status) + " for " + url +
                         " after " + std::to_string(std::max(1, config.maxAttempts)) + " attempts" +
                         hubSaid(r) +
                         ": the hub may be busy or down; try again later (finished files are "
                         "kept)");
  }
  return makeError(ErrorKind::Network, "unexpected answer " + std::to_string(status) + " from " +
                                           url + " while downloading " + what(target) + hubSaid(r));
}

bool isCommitHash(const std::string& revision) { return revision.size() == 40 && isHex(revision); }

std::string normalizeEtag(const std::string& etag) {
  size_t b = 0;
  while (b < etag.size() && (etag[b] == 'W' || etag[b] == '/')) ++b;
  size_t e = etag.size();
  while (b < e && etag[b] == '"') ++b;
  while (e > b && etag[e - 1] == '"') --e;
  return etag.substr(b, e - b);
}

std::string resolveUrlFor(const HubConfig& config, const std::string& repo,
                          const std::string& revision, const std::string& path) {
  return config.endpoint + "/" + repo + "/resolve/" + urlQuote(revision, false) + "/" +
         urlQuote(path, true);
}

std::string nextPageUrl(const std::string& link, const std::string& base) {
  // Link: <url>; rel="next", <url>; rel="prev"
  size_t pos = 0;
  while ((pos = link.find('<', pos)) != std::string::npos) {
    size_t close = link.find('>', pos);
    if (close == std::string::npos) return "";
    std::string target = link.substr(pos + 1, close - pos - 1);
    size_t nextEntry = link.find('<', close);
    std::string params = link.substr(
        close + 1, nextEntry == std::string::npos ? std::string::npos : nextEntry - close - 1);
    std::string lower;
    for (char c : params) {
      if (c != ' ' && c != '"')
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    // rel may list several relations: rel="next last".
    auto rel = lower.find("rel=");
    if (rel != std::string::npos) {
      std::string rels = lower.substr(rel + 4);
      if (auto end = rels.find_first_of(";,"); end != std::string::npos) rels.resize(end);
      if (rels == "next" || rels.rfind("next", 0) == 0) return resolveUrl(base, target);
    }
    pos = close + 1;
  }
  return "";
}

Result<std::string> resolveRevision(const HubConfig& config, const std::string& repo,
                                    const std::string& revision, const HubCancelCheck& cancel) {
  if (isCommitHash(revision)) return revision;
  HubTarget target{repo, revision, ""};
  const std::string url =
      config.endpoint + "/api/models/" + repo + "/revision/" + urlQuote(revision, false);
  auto json = getJson(config, target, url, cancel);
  if (!json) return json.error();
  if (!json->is_object() || !json->contains("sha") || !(*json)["sha"].is_string())
    return makeError(ErrorKind::Network, url + " did not name the commit of " + repo + " at " +
                                             revision + " (no \"sha\"): is HF_ENDPOINT (" +
                                             config.endpoint + ") a Hugging Face hub?");
  return (*json)["sha"].get<std::string>();
}

Result<std::vector<TreeEntry>> listRepoTree(const HubConfig& config, const std::string& repo,
                                            const std::string& commit,
                                            const HubCancelCheck& cancel) {
  HubTarget target{repo, commit, ""};
  std::vector<TreeEntry> entries;
  std::string url = config.endpoint + "/api/models/" + repo + "/tree/" + urlQuote(commit, false) +
                    "?recursive=true&expand=false";
  for (int page = 0; !url.empty(); ++page) {
    if (page > 100000)
      return makeError(ErrorKind::Network, "the file listing of " + repo + " does not end");
    auto response = getApi(config, target, url, cancel);
    if (!response) return response.error();
    auto json = nlohmann::json::parse(response->body, nullptr, false);
    if (!json.is_array())
      return makeError(ErrorKind::Network,
                       url + " did not answer with a file listing: is HF_ENDPOINT (" +
                           config.endpoint + ") a Hugging Face hub?");
    for (const auto& item : json) {
      if (!item.is_object() || item.value("type", "") != "file" || !item.contains("path")) continue;
      TreeEntry e;
      e.path = item.value("path", "");
      e.size = item.value("size", uint64_t(0));
      e.oid = item.value("oid", "");
      if (item.contains("lfs") && item["lfs"].is_object()) {
        const auto& lfs = item["lfs"];
        if (lfs.contains("oid") && lfs["oid"].is_string())
          e.lfsSha256 = lfs["oid"].get<std::string>();
        if (lfs.contains("size") && lfs["size"].is_number_unsigned())
          e.lfsSize = lfs["size"].get<uint64_t>();
        if (e.lfsSize) e.size = *e.lfsSize;
      }
      if (item.contains("xetHash") && item["xetHash"].is_string())
        e.xetHash = item["xetHash"].get<std::string>();
      entries.push_back(std::move(e));
    }
    url = nextPageUrl(response->header("Link"), url);
  }
  return entries;
}

Result<FileMetadata> fileMetadata(const HubConfig& config, const HubTarget& target,
                                  const std::string& commit, const HubCancelCheck& cancel) {
  const std::string endpointOrigin = urlOrigin(config.endpoint);
  std::string url = resolveUrlFor(config, target.repo, commit, target.file);
  HttpResponse response;
  bool redirected = false;
  for (int hop = 0;; ++hop) {
    if (hop > 10) return makeError(ErrorKind::Network, "too many redirects for " + url);
    HttpRequest request;
    request.method = "HEAD";
    request.url = url;
    request.followRedirects = false;
    request.headers = authHeaders(config);
    request.headers.push_back("Accept-Encoding: identity");
    request.connectTimeoutSeconds = config.connectTimeoutSeconds;
    request.stallTimeoutSeconds = config.stallTimeoutSeconds;
    response = requestWithRetries(config, request, cancel);
    if (response.failure == HttpFailure::Aborted) return cancelledError(target);
    const bool redirect = response.failure == HttpFailure::None && response.status >= 300 &&
                          response.status < 400 && !response.header("Location").empty();
    if (!redirect) {
      if (!response.ok()) return hubHttpError(config, target, url, response);
      redirected = false;
      break;
    }
    // Follow redirects that stay on the hub (a renamed repository); a CDN's
    // signed URL is where the bytes are, and the token must not go there.
    const std::string next = resolveUrl(url, response.header("Location"));
    const std::string origin = urlOrigin(next);
    if (origin != urlOrigin(url) && origin != endpointOrigin) {
      redirected = true;
      break;
    }
    url = next;
  }
  FileMetadata meta;
  meta.commit = response.header("X-Repo-Commit");
  const std::string linkedEtag = response.header("X-Linked-Etag");
  meta.lfs = !linkedEtag.empty();
  meta.etag = normalizeEtag(meta.lfs ? linkedEtag : response.header("ETag"));
  std::string size = response.header("X-Linked-Size");
  if (size.empty() && !redirected) size = response.header("Content-Length");
  meta.location = redirected ? resolveUrl(url, response.header("Location")) : url;
  meta.sendToken = !redirected;
  if (meta.commit.empty())
    return makeError(ErrorKind::Network,
                     url + " did not name a commit (no X-Repo-Commit header): is HF_ENDPOINT (" +
                         config.endpoint +
                         ") a Hugging Face hub? A proxy or firewall may be answering instead");
  if (meta.etag.empty() || meta.etag.find('/') != std::string::npos ||
      meta.etag.find("..") != std::string::npos)
    return makeError(ErrorKind::Network, url + " gave no usable ETag for " + what(target) +
                                             ", so FluxDesk cannot name it in the cache");
  char* end = nullptr;
  unsigned long long parsed = std::strtoull(size.c_str(), &end, 10);
  if (size.empty() || *end != '\0')
    return makeError(ErrorKind::Network, url + " gave no size for " + what(target) +
                                             " (no X-Linked-Size or Content-Length header)");
  meta.size = parsed;
  return meta;
}

}  // namespace fd::hub
