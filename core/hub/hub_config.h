#pragma once
// Where the Hugging Face hub is and who we are to it, read the way the
// huggingface_hub Python library reads it, so FluxDesk and the `hf` tool
// share one cache and one login: endpoint HF_ENDPOINT (default
// https://huggingface.co); token HF_TOKEN (or the legacy
// HUGGING_FACE_HUB_TOKEN), then the file $HF_HOME/token (HF_TOKEN_PATH
// overrides its path; blanks and newlines stripped), then the app's saved
// token; cache HF_HUB_CACHE (or the legacy HUGGINGFACE_HUB_CACHE), else
// $HF_HOME/hub, else ~/.cache/huggingface/hub (HF_HOME defaults to
// $XDG_CACHE_HOME/huggingface); paths get ~ and $VAR expanded, as
// huggingface_hub's constants.py does. Proxies come from the usual
// environment variables (libcurl reads http_proxy, https_proxy, no_proxy).
// Torch-free, Qt-free.

#include <optional>
#include <string>

namespace fd {

struct HubConfig {
  std::string endpoint = "https://huggingface.co";  // no trailing slash
  std::optional<std::string> token;                 // sent as Authorization: Bearer
  std::string tokenSource;  // for messages: "HF_TOKEN", "/root/.cache/huggingface/token",
                            // "settings", "--token"
  std::string cacheDir;     // the hub cache root (models--org--name folders live here)
  int maxAttempts =
      5;  // per request, transient failures only (network, 5xx, 429), exponential backoff
  double firstBackoffSeconds = 1.0;
  double connectTimeoutSeconds = 20.0;
  double stallTimeoutSeconds = 60.0;  // a transfer with no byte for this long is cut (and resumed)
};

// `settingsToken`: the token the user saved in FluxDesk (lowest priority).
HubConfig hubConfigFromEnvironment(const std::optional<std::string>& settingsToken = std::nullopt);

}  // namespace fd
