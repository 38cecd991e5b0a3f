// fluxdesk-cli download REPO: a repository snapshot from the Hugging Face
// hub into the shared cache (the one huggingface_hub and `hf download` use),
// with a progress bar on stderr and the snapshot folder as the last line on
// stdout. Ctrl-C cancels cleanly and keeps partial files for resuming.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

#include "cli/arg_parser.h"
#include "cli/commands.h"
#include "hub/hub_config.h"
#include "hub/hub_download.h"

namespace fd::cli {

namespace {

const char* kCommand = "download";

std::atomic<bool> gInterrupted{false};

void onInterrupt(int) { gInterrupted = true; }

// SIGINT and SIGTERM cancel the download (once: a second Ctrl-C ends the
// process the default way); the previous handlers come back afterwards.
class InterruptGuard {
 public:
  InterruptGuard() {
    gInterrupted = false;
    struct sigaction action {};
    action.sa_handler = onInterrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &action, &oldInt_);
    sigaction(SIGTERM, &action, &oldTerm_);
  }
  ~InterruptGuard() {
    sigaction(SIGINT, &oldInt_, nullptr);
    sigaction(SIGTERM, &oldTerm_, nullptr);
  }

 private:
  struct sigaction oldInt_ {};
  struct sigaction oldTerm_ {};
};

int exitCodeFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::BadRequest: return 2;
    case ErrorKind::ModelMissing: return 3;
    case ErrorKind::AccessDenied: return 4;
    case ErrorKind::Network: return 5;
    case ErrorKind::Io: return 6;
    case ErrorKind::Cancelled: return 130;
    default: return 1;
  }
}

std::string bytesText(double bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int unit = 0;
  while (bytes >= 1000 && unit < 4) {
    bytes /= 1000;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.2f %s", bytes, units[unit]);
  return text;
}

std::string durationText(double seconds) {
  if (seconds < 0) return "--:--";
  const long s = std::lround(seconds);
  char text[32];
  if (s >= 3600) {
    std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
  }
  return text;
}

// The bar: redrawn in place on a terminal; on a pipe or log, a line per
// file and one at least every 10% of the bytes.
class DownloadBar {
 public:
  explicit DownloadBar(bool quiet) : quiet_(quiet), terminal_(::isatty(STDERR_FILENO) == 1) {}
  ~DownloadBar() { finish(); }

  void update(const HubDownloadProgress& p) {
    if (quiet_) return;
    if (p.stage == "resolving" || p.stage == "listing") {
      draw(p.stage == "resolving" ? "resolving the revision" : "listing the files", false);
      return;
    }
    if (p.stage == "verifying") {
      draw("checking the bytes already downloaded of " + p.file, false);
      return;
    }
    if (p.stage == "done") {
      finish();
      return;
    }
    const double fraction = p.bytesTotal ? double(p.bytesDone) / double(p.bytesTotal) : 0;
    const int width = 24, filled = static_cast<int>(std::lround(fraction * width));
    char percent[16];
    std::snprintf(percent, sizeof percent, "%3d%%", static_cast<int>(fraction * 100));
    std::string line = "[" + std::string(size_t(filled), '#') +
                       std::string(size_t(width - filled), '.') + "] " + percent + "  " +
                       bytesText(double(p.bytesDone)) + " / " + bytesText(double(p.bytesTotal));
    line +=
        "  " + (p.bytesPerSecond > 0 ? bytesText(p.bytesPerSecond) + "/s" : std::string("-- B/s"));
    line += "  ETA " + durationText(p.etaSeconds);
    line +=
        "  (" + std::to_string(p.fileIndex + 1) + "/" + std::to_string(p.fileCount) + ") " + p.file;
    if (terminal_) {
      draw(line, false);
      return;
    }
    const int decile = static_cast<int>(fraction * 10);
    if (p.file != lastFile_ || decile != lastDecile_) {
      lastFile_ = p.file;
      lastDecile_ = decile;
      draw(line, false);
    }
  }

  void finish() {
    if (lineOpen_) {
      std::fputc('\n', stderr);
      std::fflush(stderr);
      lineOpen_ = false;
    }
  }

 private:
  void draw(const std::string& line, bool final) {
    if (terminal_) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
      lineOpen_ = !final;
      if (final) std::fputc('\n', stderr);
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
  }

  bool quiet_, terminal_;
  bool lineOpen_ = false;
  std::string lastFile_;
  int lastDecile_ = -1;
};

int failWith(const Error& error) {
  std::fprintf(stderr, "fluxdesk-cli %s: %s\n", kCommand, error.message.c_str());
  return exitCodeFor(error.kind);
}

}  // namespace

int runDownload(const Args& args) {
  ArgParser parser(
      kCommand,
      "Downloads a model repository from the Hugging Face hub into the shared cache\n"
      "(models--org--name/snapshots/COMMIT, the layout huggingface_hub and `hf download`\n"
      "use: files one of them downloaded are not fetched again). Finished files are kept\n"
      "and an interrupted file resumes, so running the command again completes a download.\n"
      "The snapshot folder is printed last on stdout; progress goes to stderr.\n"
      "\n"
      "environment (as huggingface_hub reads it):\n"
      "  HF_ENDPOINT     the hub (default https://huggingface.co)\n"
      "  HF_TOKEN        a read token; else the file $HF_HOME/token (`hf auth login`) or\n"
      "                  HF_TOKEN_PATH. Gated repositories (e.g. FLUX.1-dev) need one of\n"
      "                  an account that accepted the licence on the repository's page\n"
      "  HF_HUB_CACHE    the cache folder; else $HF_HOME/hub, else\n"
      "                  ${XDG_CACHE_HOME:-~/.cache}/huggingface/hub\n"
      "  https_proxy, http_proxy, no_proxy   proxies\n"
      "\n"
      "exit status: 0 downloaded; 2 bad arguments; 3 repository, revision or file not\n"
      "found; 4 access denied (gated repository, missing or refused token); 5 network or\n"
      "hub failure; 6 disk (not enough space, not writable); 130 cancelled (Ctrl-C:\n"
      "partial files are kept); 1 anything else.");
  parser.positional("REPO", "the repository, org/name (e.g. city96/FLUX.1-schnell-gguf)");
  parser.option("revision", "", "REV", "branch, tag or commit (default main)");
  parser.option("include", "", "GLOB",
                "only files whose repo path matches (fnmatch; '*' crosses folders; 'dir/': all "
                "below); repeatable");
  parser.option("exclude", "", "GLOB",
                "leave out files whose repo path matches (after --include); repeatable");
  parser.option("token", "", "TOKEN",
                "Hugging Face token (instead of HF_TOKEN or the saved login)");
  parser.option("cache-dir", "", "DIR", "the hub cache folder (instead of HF_HUB_CACHE)");
  parser.flag("quiet", "no progress on stderr");
  if (auto s = parser.parse(args); !s) return failWith(s.error());
  if (parser.helpRequested()) {
    std::fputs(parser.usage().c_str(), stdout);
    return 0;
  }

  HubConfig config = hubConfigFromEnvironment();
  if (auto token = parser.value("token")) {
    if (token->empty())
      return failWith(makeError(ErrorKind::BadRequest, "--token: the token is empty"));
    config.token = *token;
    config.tokenSource = "--token";
  }
  if (auto dir = parser.value("cache-dir")) {
    if (dir->empty())
      return failWith(makeError(ErrorKind::BadRequest, "--cache-dir: the folder is empty"));
    config.cacheDir = *dir;
  }
  HubDownloadRequest request;
  request.repo = parser.positionalValue("REPO");
  request.revision = parser.value("revision").value_or("main");
  request.include = parser.values("include");
  request.exclude = parser.values("exclude");
  request.keepPartialOnCancel = true;

  DownloadBar bar(parser.isSet("quiet"));
  const auto start = std::chrono::steady_clock::now();
  Result<HubSnapshot> snapshot = [&] {
    InterruptGuard guard;
    return downloadSnapshot(
        config, request, [&](const HubDownloadProgress& p) { bar.update(p); },
        [] { return gInterrupted.load(); });
  }();
  bar.finish();
  if (!snapshot) {
    if (snapshot.error().kind == ErrorKind::Cancelled) {
      std::fprintf(stderr,
                   "fluxdesk-cli %s: cancelled; finished files and partial ones are kept in %s "
                   "(run the same "
                   "command again to resume)\n",
                   kCommand, config.cacheDir.c_str());
      return 130;
    }
    return failWith(snapshot.error());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "%s@%s (%s): %zu files, %s downloaded in %.1f s, %s already in the cache\n",
               snapshot->repo.c_str(), snapshot->revision.c_str(),
               snapshot->commit.substr(0, 12).c_str(), snapshot->files.size(),
               bytesText(double(snapshot->downloadedBytes)).c_str(), seconds,
               bytesText(double(snapshot->reusedBytes)).c_str());
  std::printf("%s\n", snapshot->folder.c_str());
  return 0;
}

}  // namespace fd::cli
