// Charts through gnuplot (Debian's gnuplot-nox, installed by scripts/bootstrap.sh), run as a subprocess on a
// generated script: kdash draws no PNG itself.
#pragma once

#include <functional>
#include <string>

namespace kdash::tools {

// True when a `gnuplot` executable is on PATH.
bool gnuplot_available();
// Runs gnuplot on `script` (which must set the terminal and output itself). Throws std::runtime_error with gnuplot's
// own messages when it fails, and a clear message when gnuplot is not installed.
void run_gnuplot(const std::string& script);
// Runs `draw` with the path of a private, exclusively created temporary PNG file beside `target` and returns the
// bytes drawn there; the temporary is removed whatever happens. Lets a chart join an io::OutputSet, so that a
// command's chart is replaced together with its other outputs.
std::string render_to_bytes(const std::string& target, const std::function<void(const std::string& path)>& draw);
// A string quoted for a gnuplot script ('...' with embedded quotes doubled).
std::string gnuplot_quote(const std::string& text);

}  // namespace kdash::tools
