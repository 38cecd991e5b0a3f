#pragma once
// JSON pieces the API's answers share (plain and streamed).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace fd::api {

// Compact; invalid UTF-8 (never expected) replaced rather than thrown.
inline std::string dumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// OpenAI's usage object for image models (text prompt only: no input images).
inline nlohmann::json usageJson(int64_t inputTokens, int64_t outputTokens) {
  return {{"input_tokens", inputTokens},
          {"input_tokens_details", {{"text_tokens", inputTokens}, {"image_tokens", 0}}},
          {"output_tokens", outputTokens},
          {"total_tokens", inputTokens + outputTokens}};
}

}  // namespace fd::api
