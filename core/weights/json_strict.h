#pragma once
// JSON parsing for files we do not trust (safetensors headers, checkpoint
// indexes): bounded nesting depth and no silently repeated keys, at a cost
// proportional to the input (a header of a million tensors parses in about
// a second; see tests/headers).

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace fd {

// Deepest bracket nesting outside strings; stops counting once past
// `limit` (so a hostile input costs no more than its length).
int jsonNestingDepth(std::string_view text, int limit = 1 << 30);

// Errors are ModelInvalid: "<path>: <what> is not valid JSON: ...", or name
// the repeated key ("<path>: <what> has the key '<key>' twice", at any
// depth). Real files nest three or four levels; deeper input is refused
// before parsing so its cost stays proportional to its size.
Result<nlohmann::json> parseJsonStrict(const std::string& path, std::string_view text,
                                       const std::string& what, int maxDepth = 16);

// parseJsonStrict for a document whose top level is a large object (a
// safetensors header): each member is handed to `onMember(key, value)` as
// soon as its value is parsed, in document order, and dropped afterwards,
// so the whole document never sits in memory. Same checks and errors as
// parseJsonStrict, plus "<path>: <what> must be a JSON object, found a JSON
// <type>" for another top level; an error from onMember stops the parse and
// is returned as it is.
using JsonMemberHandler = std::function<Status(const std::string& key, nlohmann::json& value)>;
Status forEachJsonMember(const std::string& path, std::string_view text, const std::string& what,
                         const JsonMemberHandler& onMember, int maxDepth = 16);

}  // namespace fd
