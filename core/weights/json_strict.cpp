#include "weights/json_strict.h"

#include <algorithm>
#include <set>
#include <vector>

namespace fd {

namespace {

using Json = nlohmann::json;

std::string shortText(const std::string& text) {
  return text.size() <= 200 ? text : text.substr(0, 200) + "...";
}

}  // namespace

int jsonNestingDepth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool inString = false, escaped = false;
  for (char c : text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') inString = false;
      continue;
    }
    if (c == '"') inString = true;
    else if (c == '[' || c == '{') deepest = std::max(deepest, ++depth);
    else if (c == ']' || c == '}') --depth;
    if (deepest > limit) break;
  }
  return deepest;
}

Result<Json> parseJsonStrict(const std::string& path, std::string_view text,
                             const std::string& what, int maxDepth) {
  if (jsonNestingDepth(text, maxDepth) > maxDepth)
    return makeError(ErrorKind::ModelInvalid, path + ": " + what + " JSON is nested too deeply");
  // The plain parser keeps the last of two equal keys, which would hide a
  // tensor; track the keys of each open object instead.
  std::vector<std::set<std::string>> keysPerObject;
  std::string duplicate;
  auto callback = [&](int, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) {
      keysPerObject.emplace_back();
    } else if (event == Json::parse_event_t::object_end) {
      if (!keysPerObject.empty()) keysPerObject.pop_back();
    } else if (event == Json::parse_event_t::key && !keysPerObject.empty() &&
               parsed.is_string()) {
      if (!keysPerObject.back().insert(parsed.get<std::string>()).second && duplicate.empty())
        duplicate = parsed.get<std::string>();
    }
    return true;
  };
  Json json;
  try {
    json = Json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/true);
  } catch (const Json::exception& e) {
    return makeError(ErrorKind::ModelInvalid,
                     path + ": " + what + " is not valid JSON (" + e.what() + ")");
  }
  if (!duplicate.empty())
    return makeError(ErrorKind::ModelInvalid,
                     path + ": " + what + " has the key '" + shortText(duplicate) + "' twice");
  return json;
}

}  // namespace fd
