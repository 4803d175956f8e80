// kdash train's pieces: the digits data set and its seeded split, and the hand-written MLP backward pass checked
// against finite differences.
#include "train/digits_dataset.hpp"
#include "train/mlp.hpp"

#include <gtest/gtest.h>
#include <Kokkos_Core.hpp>

#include "temp_directory.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

namespace kt = kdash::tools::train;

namespace {

std::string digits_path() { return kt::default_digits_path(); }

}  // namespace

TEST(TrainDigits, LoadsTheUciDigits) {
  const auto d = kt::load_digits(digits_path());
  // The data set's documented size (data/digits/LICENSE.md): 1,797 samples of 8x8 pixels in 0..16, labels 0..9.
  ASSERT_EQ(d.size(), 1797);
  EXPECT_EQ(d.features, 64);
  EXPECT_EQ(d.x.size(), 1797u * 64u);
  EXPECT_EQ(*std::min_element(d.x.begin(), d.x.end()), 0.0f);
  EXPECT_EQ(*std::max_element(d.x.begin(), d.x.end()), 1.0f);  // 16 / 16
  EXPECT_EQ(std::set<int>(d.y.begin(), d.y.end()).size(), 10u);
  EXPECT_THROW(kt::load_digits("/nonexistent/digits.csv.gz"), std::runtime_error);
}

// A data file is untrusted input: every defect is an error naming the file and the line, never a silently different
// data set. Plain files (zlib reads them as they are) except for the truncated stream.
TEST(TrainDigits, DefectiveFilesAreErrorsNamingTheFileAndLine) {
  const auto dir = kdash::testing::fresh_test_directory("kdash_digits");
  auto row = [](const std::string& first, const std::string& label) {
    std::string r = first;
    for (int j = 1; j < 64; ++j) r += ",3";
    return r + "," + label;
  };
  auto load = [&](const std::string& name, const std::string& bytes) {
    const std::string path = (dir / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return kt::load_digits(path);
  };
  auto error_of = [&](const std::string& name, const std::string& bytes) -> std::string {
    try {
      load(name, bytes);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "no error";
  };
  // Rows with CRLF endings and a last line without a newline load as they are.
  const auto ok = load("ok.csv", row("16", "7") + "\r\n\n" + row("0", "0"));
  ASSERT_EQ(ok.size(), 2);
  EXPECT_EQ(ok.y, (std::vector<int>{7, 0}));
  EXPECT_EQ(ok.x[0], 1.0f);

  const std::pair<std::string, std::string> cases[] = {
      {row("1", "1") + "\n" + row("1", "1").substr(2) + "\n", "line 2: expected 65 values, found 64"},
      {row("1", "1") + ",\n", "line 1: '' is not a number"},
      {row(std::string("5\0", 2), "1") + "\n", "line 1: '5"},  // the NUL byte used to end the cell: '5' was read
      {row("17", "1") + "\n", "line 1: pixel 0 is 17.000000, outside 0..16"},
      {row("-1", "1") + "\n", "pixel 0 is -1.000000"},
      {row("1", "10") + "\n", "label 10.000000 not in 0..9"},
      {row("1", "2.5") + "\n", "label 2.500000 not in 0..9"},
      {row("1", "nan") + "\n", "'nan' is not a number"},
      {std::string(70000, '1') + "\n", "line 1: longer than 65536 bytes"},
  };
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    SCOPED_TRACE(cases[i].second);
    const std::string name = "bad" + std::to_string(i) + ".csv";
    const std::string e = error_of(name, cases[i].first);
    EXPECT_NE(e.find("digits data set '" + (dir / name).string() + "'"), std::string::npos) << e;
    EXPECT_NE(e.find(cases[i].second), std::string::npos) << e;
  }
  // One physical line of 4095 bytes ending in a comma, then a second row on the same line: the reader's 4095-byte
  // chunks used to make two valid rows of it.
  std::string first = row("1", "1") + ",";
  first = std::string(4095 - first.size(), '0') + first;
  ASSERT_EQ(first.size(), 4095u);
  EXPECT_NE(error_of("joined.csv", first + row("1", "2") + "\n").find("line 1: expected 65 values, found 130"),
            std::string::npos);
  // The real data set cut in half: a truncated compressed stream.
  std::ifstream in(digits_path(), std::ios::binary);
  const std::string gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(error_of("truncated.csv.gz", gz.substr(0, gz.size() / 2)).find("decompression failed"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(TrainDigits, SplitIsSeededAndPartitionsTheSamples) {
  const auto d = kt::load_digits(digits_path());
  const auto a = kt::split_dataset(d, 0.2, 7), b = kt::split_dataset(d, 0.2, 7), c = kt::split_dataset(d, 0.2, 8);
  EXPECT_EQ(a.test.size(), 359);  // round(0.2 * 1797)
  EXPECT_EQ(a.train.size() + a.test.size(), d.size());
  EXPECT_EQ(a.test.x, b.test.x);  // same seed, same split
  EXPECT_NE(a.test.x, c.test.x);
  // A permutation: every index exactly once.
  auto p = kt::seeded_permutation(1000, 3);
  std::sort(p.begin(), p.end());
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(p[i], i);
  EXPECT_THROW(kt::split_dataset(d, 1.0, 0), std::invalid_argument);
}

TEST(TrainMlp, BackwardMatchesCentralDifferences) {
  // Central differences of the mean cross-entropy in double from fp32 forward passes: the truncation error is
  // O(h^2 f''') ~ 1e-6 at h = 1e-2 for these O(1) curvatures, and the rounding error is ~ eps_fp32 * |f| / h
  // ~ 6e-8 * 2.3 / 1e-2 ~ 1.4e-5; |dL/dw| is compared with tolerance 1e-3 * max(1, |g|) + 5e-5 (3x the sum), which a
  // wrong sign, transpose or missing 1/batch violates by orders of magnitude. Weights whose ReLU input is within h
  // of a kink would break the smoothness assumption; with random inputs that is unlikely and the test uses few.
  const int batch = 5, inputs = 6, hidden = 4, classes = 3;
  kt::Mlp model(inputs, hidden, classes, 11);
  kt::Matrix x("x", batch, inputs);
  kt::Labels y("y", batch);
  auto hx = Kokkos::create_mirror_view(x);
  auto hy = Kokkos::create_mirror_view(y);
  for (int b = 0; b < batch; ++b) {
    for (int j = 0; j < inputs; ++j) hx(b, j) = float(std::sin(1.3 * b + 0.7 * j + 0.1));
    hy(b) = b % classes;
  }
  Kokkos::deep_copy(x, hx);
  Kokkos::deep_copy(y, hy);
  model.loss_and_gradient(x, y);
  const double h = 1e-2;
  for (auto& p : model.params()) {
    auto grad = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), p.grad);
    auto value = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), p.value);
    for (std::int64_t i = 0; i < p.numel(); i += 3) {
      const float saved = value(i);
      auto loss_at = [&](double w) {
        value(i) = float(w);
        Kokkos::deep_copy(p.value, value);
        return model.evaluate(x, y).loss;
      };
      const double fd = (loss_at(saved + h) - loss_at(saved - h)) / (2 * h);
      loss_at(saved);
      EXPECT_NEAR(grad(i), fd, 1e-3 * std::max(1.0, std::abs(fd)) + 5e-5) << p.name << "[" << i << "]";
    }
  }
}
