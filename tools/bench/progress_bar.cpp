#include "bench/progress_bar.hpp"

#include <unistd.h>

#include <algorithm>

namespace kdash::tools::bench {

ProgressBar::ProgressBar(int total, std::FILE* out) : ProgressBar(total, out, isatty(fileno(out)) != 0) {}

ProgressBar::ProgressBar(int total, std::FILE* out, bool interactive)
    : total_(std::max(total, 1)), out_(out), interactive_(interactive), start_(std::chrono::steady_clock::now()) {}

void ProgressBar::start(const std::string& label) {
  label_ = label;
  if (interactive_) {
    draw();
  } else {
    std::fprintf(out_, "[%d/%d] %s ...\n", completed_ + 1, total_, label.c_str());
    std::fflush(out_);
  }
}

void ProgressBar::done(const std::string& result) {
  ++completed_;
  if (interactive_) {
    draw();
  } else if (!result.empty()) {
    std::fprintf(out_, "[%d/%d] %s: %s\n", completed_, total_, label_.c_str(), result.c_str());
    std::fflush(out_);
  }
}

void ProgressBar::draw() {
  constexpr int kWidth = 30;
  const int filled = kWidth * completed_ / total_;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double eta = completed_ > 0 ? elapsed / completed_ * (total_ - completed_) : 0.0;
  std::string bar(filled, '#');
  bar += std::string(kWidth - filled, '.');
  std::fprintf(out_, "\r\033[2K[%s] %d/%d  %5.0fs elapsed, ~%4.0fs left  %s", bar.c_str(), completed_, total_, elapsed,
               eta, label_.c_str());
  std::fflush(out_);
}

void ProgressBar::finish() {
  if (interactive_) {
    std::fprintf(out_, "\r\033[2K");
    std::fflush(out_);
  }
}

}  // namespace kdash::tools::bench
