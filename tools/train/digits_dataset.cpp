#include "train/digits_dataset.hpp"

#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace kdash::tools::train {

namespace {

// A digits row is about 200 bytes; a line far longer is not one (and is not buffered without bound).
constexpr std::size_t kMaxLineBytes = 1 << 16;

// The comma-separated cells of `line`, each a finite number: a trailing comma is an empty cell, and a cell is a number
// only if strtod reads all of it (an embedded NUL byte used to end the cell early, silently).
template <class Fail>
std::vector<double> numbers_of(const std::string& line, const Fail& fail) {
  std::vector<double> values;
  for (std::size_t start = 0;;) {
    const std::size_t comma = line.find(',', start);
    const std::string cell = line.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    char* end = nullptr;
    const double v = std::strtod(cell.c_str(), &end);
    if (cell.empty() || end != cell.c_str() + cell.size() || !std::isfinite(v)) {
      fail("'" + cell + "' is not a number");
    }
    values.push_back(v);
    if (comma == std::string::npos) return values;
    start = comma + 1;
  }
}

}  // namespace

Dataset load_digits(const std::string& path, int features) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) throw std::runtime_error("digits data set '" + path + "' cannot be opened (see data/digits/LICENSE.md)");
  Dataset d;
  d.features = features;
  int line_no = 0;
  auto fail = [&](const std::string& why) {
    gzclose(file);
    throw std::runtime_error("digits data set '" + path + "', line " + std::to_string(line_no) + ": " + why);
  };
  auto add_row = [&](std::string line) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) return;
    const std::vector<double> values = numbers_of(line, fail);
    if (int(values.size()) != features + 1) {
      fail("expected " + std::to_string(features + 1) + " values, found " + std::to_string(values.size()));
    }
    const double label = values.back();
    if (label != std::floor(label) || label < 0 || label > 9) fail("label " + std::to_string(label) + " not in 0..9");
    for (int j = 0; j < features; ++j) {
      if (!(values[j] >= 0 && values[j] <= 16)) {
        fail("pixel " + std::to_string(j) + " is " + std::to_string(values[j]) + ", outside 0..16");
      }
      d.x.push_back(static_cast<float>(values[j] / 16.0));
    }
    d.y.push_back(static_cast<int>(label));
  };
  // Whole lines, however gzread splits them: a line longer than a read used to become two rows.
  std::string line;
  char buf[1 << 14];
  for (int got; (got = gzread(file, buf, sizeof buf)) != 0;) {
    if (got < 0) {
      int err = 0;
      fail(std::string("decompression failed: ") + gzerror(file, &err));
    }
    for (int i = 0; i < got; ++i) {
      if (buf[i] == '\n') {
        add_row(line);
        line.clear();
      } else if (line.size() == kMaxLineBytes) {
        ++line_no;
        fail("longer than " + std::to_string(kMaxLineBytes) + " bytes");
      } else {
        line += buf[i];
      }
    }
  }
  int err = 0;
  const char* msg = gzerror(file, &err);  // a truncated stream ends without an error from gzread
  if (err != Z_OK && err != Z_STREAM_END) fail(std::string("decompression failed: ") + msg);
  if (!line.empty()) add_row(line);
  gzclose(file);
  if (d.y.empty()) throw std::runtime_error("digits data set '" + path + "' holds no samples");
  return d;
}

std::string default_digits_path() {
  if (const char* env = std::getenv("KDASH_DIGITS")) return env;
  const std::string rel = "data/digits/digits.csv.gz";
  if (std::ifstream(rel).good()) return rel;
#ifdef KDASH_SOURCE_DIR
  const std::string src = std::string(KDASH_SOURCE_DIR) + "/" + rel;
  if (std::ifstream(src).good()) return src;
#endif
  return rel;
}

std::vector<int> seeded_permutation(int n, std::uint64_t seed) {
  std::vector<int> p(n);
  for (int i = 0; i < n; ++i) p[i] = i;
  std::mt19937_64 gen(seed);
  for (int i = n - 1; i > 0; --i) {
    // Uniform in 0..i without std::uniform_int_distribution, whose algorithm differs between standard libraries.
    const std::uint64_t bound = std::uint64_t(i) + 1;
    const std::uint64_t limit = gen.max() - gen.max() % bound;
    std::uint64_t r;
    do r = gen();
    while (r >= limit);
    std::swap(p[i], p[static_cast<int>(r % bound)]);
  }
  return p;
}

Split split_dataset(const Dataset& all, double test_fraction, std::uint64_t seed) {
  if (!(test_fraction > 0 && test_fraction < 1)) throw std::invalid_argument("test fraction must be in (0, 1)");
  const int n = all.size();
  const int n_test = static_cast<int>(std::lround(test_fraction * n));
  if (n_test < 1 || n_test >= n) throw std::invalid_argument("test fraction leaves an empty train or test set");
  const auto perm = seeded_permutation(n, seed);
  Split s;
  s.train.features = s.test.features = all.features;
  for (int k = 0; k < n; ++k) {
    Dataset& dst = k < n_test ? s.test : s.train;
    const int i = perm[k];
    dst.x.insert(dst.x.end(), all.x.begin() + std::size_t(i) * all.features,
                 all.x.begin() + std::size_t(i + 1) * all.features);
    dst.y.push_back(all.y[i]);
  }
  return s;
}

}  // namespace kdash::tools::train
