#include "hub/hub_config.h"

#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fd {

namespace {

// os.getenv(name, fallback): a variable set to "" counts as set, as in Python.
std::string envOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : fallback;
}

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (!value) return std::nullopt;
  return std::string(value);
}

// os.path.join(a, b) for two parts.
std::string joinPath(const std::string& a, const std::string& b) {
  if (!b.empty() && b[0] == '/') return b;
  if (a.empty() || a.back() == '/') return a + b;
  return a + "/" + b;
}

// os.path.expanduser: "~" and "~/..." use $HOME (the password database
// when HOME is unset), "~user/..." that user's home; anything else as is.
std::string expandUser(const std::string& path) {
  if (path.empty() || path[0] != '~') return path;
  size_t slash = path.find('/');
  std::string user = path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
  std::string home;
  if (user.empty()) {
    if (const char* h = std::getenv("HOME")) {
      home = h;
    } else if (const passwd* pw = ::getpwuid(::getuid())) {
      home = pw->pw_dir;
    } else {
      return path;
    }
  } else {
    const passwd* pw = ::getpwnam(user.c_str());
    if (!pw) return path;
    home = pw->pw_dir;
  }
  while (home.size() > 1 && home.back() == '/') home.pop_back();
  std::string rest = slash == std::string::npos ? std::string() : path.substr(slash);
  std::string result = home + rest;
  return result.empty() ? "/" : result;
}

bool isNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// os.path.expandvars (POSIX): $name and ${name}; unknown variables are left unchanged.
std::string expandVars(const std::string& path) {
  if (path.find('$') == std::string::npos) return path;
  std::string out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] != '$') {
      out += path[i++];
      continue;
    }
    std::string name;
    size_t end = i + 1;
    if (end < path.size() && path[end] == '{') {
      size_t close = path.find('}', end + 1);
      if (close == std::string::npos) {
        out += path[i++];
        continue;
      }
      name = path.substr(end + 1, close - end - 1);
      end = close + 1;
    } else {
      while (end < path.size() && isNameChar(path[end])) ++end;
      name = path.substr(i + 1, end - i - 1);
    }
    const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
    if (value) {
      out += value;
    } else {
      out += path.substr(i, end - i);
    }
    i = end;
  }
  return out;
}

std::string expandPath(const std::string& path) { return expandVars(expandUser(path)); }

// huggingface_hub's _clean_token: CR and LF removed everywhere, then blanks
// at both ends; an empty token is no token.
std::optional<std::string> cleanToken(std::string token) {
  std::string kept;
  for (char c : token)
    if (c != '\r' && c != '\n') kept += c;
  size_t begin = 0, end = kept.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(kept[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(kept[end - 1]))) --end;
  if (begin == end) return std::nullopt;
  return kept.substr(begin, end - begin);
}

}  // namespace

HubConfig hubConfigFromEnvironment(const std::optional<std::string>& settingsToken) {
  HubConfig config;

  // constants.py: ENDPOINT = os.getenv("HF_ENDPOINT", default).rstrip("/").
  // An empty HF_ENDPOINT would make every URL relative: the default then.
  std::string endpoint = envOr("HF_ENDPOINT", "");
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  if (!endpoint.empty()) config.endpoint = endpoint;

  // HF_HOME = expandvars(expanduser(getenv("HF_HOME", join(getenv("XDG_CACHE_HOME", ~/.cache),
  // "huggingface"))))
  const std::string defaultHome = joinPath(expandUser("~"), ".cache");
  const std::string hfHome =
      expandPath(envOr("HF_HOME", joinPath(envOr("XDG_CACHE_HOME", defaultHome), "huggingface")));
  // HF_HUB_CACHE, then the legacy HUGGINGFACE_HUB_CACHE, then $HF_HOME/hub.
  const std::string legacyCache = envOr("HUGGINGFACE_HUB_CACHE", joinPath(hfHome, "hub"));
  config.cacheDir = expandPath(envOr("HF_HUB_CACHE", legacyCache));

  // Token: HF_TOKEN (or the legacy HUGGING_FACE_HUB_TOKEN; an empty HF_TOKEN
  // falls through, as Python's `or` does), then the token file, then ours.
  for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
    auto value = env(name);
    if (!value || value->empty()) continue;
    config.token = cleanToken(*value);
    if (config.token) config.tokenSource = name;
    break;
  }
  if (!config.token) {
    const std::string tokenPath = expandPath(envOr("HF_TOKEN_PATH", joinPath(hfHome, "token")));
    std::ifstream in(tokenPath, std::ios::binary);
    if (in) {
      std::ostringstream text;
      text << in.rdbuf();
      config.token = cleanToken(text.str());
      if (config.token) config.tokenSource = tokenPath;
    }
  }
  if (!config.token && settingsToken) {
    config.token = cleanToken(*settingsToken);
    if (config.token) config.tokenSource = "settings";
  }
  return config;
}

}  // namespace fd
