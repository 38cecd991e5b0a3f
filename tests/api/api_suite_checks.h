#pragma once
// Assertions shared by the files of the API suite.

#include <cstdint>
#include <string>
#include <vector>

#include "api/api_test_client.h"

namespace fd::test {

inline const char* const kPath = "/v1/images/generations";
inline const char* const kOpenAiPath = "/v1/openai/images/generations";

// The OpenAI error shape {"error": {"message": str, "type": str, "param":
// str|null, "code": str|null}} with this status and param (nullptr: null).
void expectErrorBody(const ApiReply& reply, int status, const char* param,
                     const std::string& label);

// A 200 answer with `count` images of width x height in `format` ("jpeg",
// "png") and this revised_prompt; returns their seeds.
std::vector<uint64_t> expectImages(const ApiReply& reply, int count, int width, int height,
                                   const std::string& format, const std::string& prompt,
                                   const std::string& label);

}  // namespace fd::test
