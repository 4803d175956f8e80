// Charts through gnuplot (Debian's gnuplot-nox, installed by scripts/bootstrap.sh), run as a subprocess on a
// generated script: kdash draws no PNG itself.
#pragma once

#include <string>

namespace kdash::tools {

// True when a `gnuplot` executable is on PATH.
bool gnuplot_available();
// Runs gnuplot on `script` (which must set the terminal and output itself). Throws std::runtime_error with gnuplot's
// own messages when it fails, and a clear message when gnuplot is not installed.
void run_gnuplot(const std::string& script);
// A string quoted for a gnuplot script ('...' with embedded quotes doubled).
std::string gnuplot_quote(const std::string& text);

}  // namespace kdash::tools
