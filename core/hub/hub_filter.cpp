#include "hub/hub_filter.h"

#include <fnmatch.h>

#include <algorithm>

namespace fd::hub {

namespace {

std::string normalized(std::string s) {
  std::replace(s.begin(), s.end(), '\\', '/');
  return s;
}

std::string normalizedPattern(const std::string& pattern) {
  std::string p = normalized(pattern);
  if (!p.empty() && p.back() == '/') p += '*';
  return p;
}

}  // namespace

bool hubGlobMatch(const std::string& path, const std::string& pattern) {
  // Flags 0: '*' and '?' match '/', a leading '.' is not special, and (with
  // backslashes already turned into '/') nothing is escaped: Python's fnmatchcase.
  return ::fnmatch(normalizedPattern(pattern).c_str(), normalized(path).c_str(), FNM_NOESCAPE) == 0;
}

bool hubPathSelected(const std::string& path, const std::vector<std::string>& include,
                     const std::vector<std::string>& exclude) {
  if (!include.empty() && std::none_of(include.begin(), include.end(),
                                       [&](const std::string& p) { return hubGlobMatch(path, p); }))
    return false;
  return std::none_of(exclude.begin(), exclude.end(),
                      [&](const std::string& p) { return hubGlobMatch(path, p); });
}

}  // namespace fd::hub
