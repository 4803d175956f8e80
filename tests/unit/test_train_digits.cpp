// kdash train's pieces: the digits data set and its seeded split, and the hand-written MLP backward pass checked
// against finite differences.
#include "train/digits_dataset.hpp"
#include "train/mlp.hpp"

#include <gtest/gtest.h>
#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
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
