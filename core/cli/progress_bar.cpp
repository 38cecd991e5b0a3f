#include "cli/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace fd::cli {

namespace {

std::string bar(double fraction, int width = 24) {
  if (fraction < 0) fraction = 0;
  if (fraction > 1) fraction = 1;
  const int filled = static_cast<int>(std::lround(fraction * width));
  return "[" + std::string(size_t(filled), '#') + std::string(size_t(width - filled), '.') + "]";
}

std::string seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", s);
  return text;
}

}  // namespace

ProgressBar::ProgressBar(bool quiet) : quiet_(quiet), terminal_(::isatty(STDERR_FILENO) == 1) {}

void ProgressBar::draw(const std::string& line, bool final) {
  if (quiet_ || line == lastLine_) return;
  lastLine_ = line;
  if (terminal_) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    lineOpen_ = !final;
    if (final) std::fputc('\n', stderr);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

void ProgressBar::update(const Progress& p) {
  switch (p.stage) {
    case Stage::Loading: draw(bar(p.fraction) + " " + p.message, false); break;
    case Stage::EncodingText:
      stepSum_ = 0;
      draw("encoding the prompt", false);
      break;
    case Stage::Denoising: {
      stepSum_ += p.stepSeconds;
      std::string line = bar(p.fraction) + " step " + std::to_string(p.step) + "/" +
                         std::to_string(p.totalSteps) + "  " + seconds(p.stepSeconds) + " (avg " +
                         seconds(stepSum_ / std::max(1, p.step)) + ")";
      draw(line, !terminal_);
      break;
    }
    case Stage::Decoding: draw(p.message, false); break;
    case Stage::Done: finish(); break;
  }
}

void ProgressBar::finish() {
  if (quiet_ || !lineOpen_) return;
  std::fputc('\n', stderr);
  std::fflush(stderr);
  lineOpen_ = false;
  lastLine_.clear();
}

}  // namespace fd::cli
