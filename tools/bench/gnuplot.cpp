#include "bench/gnuplot.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

namespace kdash::tools {

bool gnuplot_available() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

std::string gnuplot_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

void run_gnuplot(const std::string& script) {
  if (!gnuplot_available()) {
    throw std::runtime_error(
        "gnuplot is not installed, so no plot can be drawn (Debian: apt-get install gnuplot-nox, or run "
        "scripts/bootstrap.sh); the JSON report has every number");
  }
  char script_path[] = "/tmp/kdash-plot-XXXXXX";
  const int fd = mkstemp(script_path);
  if (fd < 0) throw std::runtime_error("cannot create a temporary file for the gnuplot script");
  close(fd);
  {
    std::ofstream out(script_path);
    out << script;
  }
  const std::string log_path = std::string(script_path) + ".log";
  const std::string command = "gnuplot " + std::string(script_path) + " >" + log_path + " 2>&1";
  const int status = std::system(command.c_str());
  std::ostringstream log;
  {
    std::ifstream in(log_path);
    log << in.rdbuf();
  }
  std::remove(script_path);
  std::remove(log_path.c_str());
  if (status != 0) {
    throw std::runtime_error("gnuplot failed (exit status " + std::to_string(WEXITSTATUS(status)) + "): " + log.str());
  }
}

std::string render_to_bytes(const std::string& target, const std::function<void(const std::string& path)>& draw) {
  const std::filesystem::path dir = std::filesystem::path(target).parent_path();
  std::string name = (dir.empty() ? std::string(".") : dir.string()) + "/.kdash-render-XXXXXX.png";
  const int fd = mkstemps(name.data(), 4);
  if (fd < 0) throw std::runtime_error("cannot create a temporary file to draw '" + target + "' in its directory");
  close(fd);
  struct Remove {
    const std::string& path;
    ~Remove() { std::remove(path.c_str()); }
  } remove_temporary{name};
  draw(name);
  std::ifstream in(name, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw std::runtime_error("cannot read back the chart drawn for '" + target + "'");
  if (bytes.empty()) throw std::runtime_error("gnuplot drew nothing for '" + target + "'");
  return bytes;
}

}  // namespace kdash::tools
