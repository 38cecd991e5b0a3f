#pragma once
// JSON parsing for files we do not trust (safetensors headers, checkpoint
// indexes): bounded nesting depth and no silently repeated keys.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace fd {

// Deepest bracket nesting outside strings; stops counting once past
// `limit` (so a hostile input costs no more than its length).
int jsonNestingDepth(std::string_view text, int limit = 1 << 30);

// Errors are ModelInvalid: "<path>: <what> is not valid JSON: ...", or name
// the repeated key. Real files nest three or four levels; deeper input is
// refused before parsing so its cost stays proportional to its size.
Result<nlohmann::json> parseJsonStrict(const std::string& path, std::string_view text,
                                       const std::string& what, int maxDepth = 16);

}  // namespace fd
