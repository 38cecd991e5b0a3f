#pragma once
// The HTTP API test suite, as functions of a running server, so the same
// cases run against `fluxdesk-cli serve`, the in-process ApiServer and the
// GUI's toggle (tests/gui). Each function records GoogleTest failures
// (EXPECT/ADD_FAILURE) and returns; call them inside a TEST.
//
// Usage:
//   ApiTarget target = ApiTarget::fromBaseUrl("http://127.0.0.1:8000", key);
//   runApiSuite(target, {});

#include <string>

#include "api/api_test_client.h"

namespace fd::test {

struct ApiSuiteOptions {
  int smallSize = 256;       // side of the images in most cases
  int steps = 1;             // keeps real-model cases quick
  bool fullSizeOnce = true;  // the astronaut request at 1024x1024 on the first path
  int concurrentClients = 8;
};

// The images one runApiSuite run adds to the server's library: 2
// astronauts, 2 PNGs, 3 streamed, 2 edits, 8 concurrent clients.
inline constexpr int kSuiteImages = 17;

// Everything below that needs no special server configuration.
void runApiSuite(const ApiTarget& target, const ApiSuiteOptions& options = {});

// The DeepInfra-style request at /v1/images/generations (1024x1024 when
// options.fullSizeOnce) and /v1/openai/images/generations (smallSize);
// decodes each image and checks its size, format and metadata.
void expectAstronautRequests(const ApiTarget& target, const ApiSuiteOptions& options);
// n images, PNG output with its settings, seed and steps honoured.
void expectPngWithSettings(const ApiTarget& target, const ApiSuiteOptions& options);
// At least 25 bad requests, each with its status, `param` and an OpenAI error body.
void expectBadRequestsRejected(const ApiTarget& target);
// `concurrentClients` clients at once: every one answered 200 with its own image.
void expectConcurrentClientsAnswered(const ApiTarget& target, const ApiSuiteOptions& options);
// GET /v1/models (OpenAI list), /v1/models/{id}, /health.
void expectModelsAndHealth(const ApiTarget& target);
// stream: true: partial images then completed images as server-sent
// events, for n = 2 and with partial_images 0 (api_suite_streaming.cpp).
void expectStreamedGenerations(const ApiTarget& target, const ApiSuiteOptions& options);
// POST /v1/images/edits with a picture and a mask, streamed too, and the
// form's errors (api_suite_edits.cpp).
void expectEdits(const ApiTarget& target, const ApiSuiteOptions& options);
// Host headers other than loopback names are refused (DNS rebinding).
void expectForeignHostRefused(const ApiTarget& target);
// With no allowed origins: no CORS headers, browser requests refused.
void expectNoCorsByDefault(const ApiTarget& target);
// For a server started with target.apiKey: missing or wrong keys get 401,
// Bearer and x-api-key both work, /health needs none.
void expectApiKeyEnforced(const ApiTarget& target);
// For a server started with `origin` allowed: preflight answered, the
// origin echoed on real requests, other origins refused.
void expectCorsForAllowedOrigin(const ApiTarget& target, const std::string& origin);

// The body of the astronaut example of issue 7.
nlohmann::json astronautRequest();

}  // namespace fd::test
