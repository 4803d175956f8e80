// Progress of a long run on stderr: a redrawn bar when stderr is a terminal, plain lines otherwise (logs, pipes, CI).
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace kdash::tools::bench {

class ProgressBar {
 public:
  // `total` steps; `interactive` defaults to whether stderr is a TTY.
  explicit ProgressBar(int total, std::FILE* out = stderr);
  ProgressBar(int total, std::FILE* out, bool interactive);
  // Announces the item about to run (shown next to the bar / printed as a line).
  void start(const std::string& label);
  // Marks one item done, with an optional short result shown in plain mode.
  void done(const std::string& result = "");
  // Clears the bar (interactive mode) so the next output starts on a clean line.
  void finish();

 private:
  void draw();
  int total_;
  int completed_ = 0;
  std::FILE* out_;
  bool interactive_;
  std::string label_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace kdash::tools::bench
