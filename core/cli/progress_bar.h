#pragma once
// Progress of loading and generating on stderr: a bar redrawn in place on a
// terminal, one line per event otherwise (logs, CI).

#include <string>

#include "pipeline/pipeline.h"

namespace fd::cli {

class ProgressBar {
 public:
  explicit ProgressBar(bool quiet = false);
  void update(const Progress& progress);
  // Ends the current line (when one is open).
  void finish();

 private:
  void draw(const std::string& line, bool final);

  bool quiet_;
  bool terminal_;
  bool lineOpen_ = false;
  std::string lastLine_;
  double stepSum_ = 0;
};

}  // namespace fd::cli
