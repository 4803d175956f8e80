// Precision modes of the inverse-root solvers: names, the GEMM input rounding each one selects, the host emulation of
// TF32, and each solver's accuracy per precision on well-conditioned SPD stacks.
//
// The accuracy bound (derived, the model of test_solver_coupled_newton.cpp). A GEMM of inner dimension n whose inputs
// are rounded to unit roundoff u_in and accumulated in fp32 has normwise relative error delta_g = 2 u_in + sqrt(n) u32
// (probabilistic rounding model, Higham & Mary 2019). A relative error delta of X changes X^p A by at most
// p delta ||X||^p ||A|| = p delta kappa. The precision p run differs from the fp64 run of the same method only in
// rounding; the root of each method is a chain of G products (CN, NDB: 2 per iteration reach X; Chebyshev: one per
// degree of the Clenshaw recurrence; EVD: the one product (Q D) Q^T after an fp32 eigensolver, which the fp32 run
// measures), each adding at most delta_g to X's relative error. Hence
//   max|X_prec^p A - I| <= max|X_64^p A - I| + p G delta_g kappa  (+ the eigensolver's part for EVD: the fp32 run's).
// EVD, entrywise and rigorous: the precision run and the fp32 run share Q and D and differ only in the rounding of
// the final product's inputs, so |X_prec - X_32|_ij <= sum_k |fl(QD)_ik fl(Q)_jk - (QD)_ik Q_jk| + both runs' fp32
// accumulation errors <= (2 u_in + u_in^2 + 2 gamma_n) ||D||_2 (rows of Q have norm 1), gamma_n = n u32 / (1 - n u32),
// ||D||_2 = (lambda_min + eps)^(-1/p) with lambda_min >= 1/kappa - n u32 ||A||_2 (storage and eigensolver).
// The measured table (median and max relative error of X against the fp64 root) is printed for docs/solvers.md.
#include "test_solver_matrices.hpp"
#include "test_spaces.hpp"  // tests/test_spaces.hpp

#include <kdash/backends/batched_gemm.hpp>
#include <kdash/config_json.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace kdash;
using namespace kdash::testing;

std::uint32_t bits(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

TEST(Precision, NamesRoundTripAndUnknownNamesListTheAccepted) {
  for (Precision p : {Precision::fp32, Precision::tf32, Precision::fp16, Precision::bf16, Precision::fp64}) {
    EXPECT_EQ(parse_precision(to_string(p)), p) << to_string(p);
  }
  EXPECT_EQ(to_string(Precision::tf32), "tf32");
  try {
    parse_precision("tf33");
    FAIL() << "tf33 was accepted";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("precision"), std::string::npos) << what;
    EXPECT_NE(what.find("tf33"), std::string::npos) << what;
    EXPECT_NE(what.find("fp32, tf32, fp16, bf16, fp64"), std::string::npos) << what;
  }
}

TEST(Precision, ConfigKeyCarriesTf32AndRejectsUnknownNames) {
  Config c;
  c.root.precision = Precision::tf32;
  const std::string text = config_to_json(c);
  EXPECT_NE(text.find("\"precision\": \"tf32\""), std::string::npos) << text;
  EXPECT_EQ(config_from_json(text).root.precision, Precision::tf32);
  EXPECT_EQ(config_from_json(R"({"precision": "tf32"})").root.precision, Precision::tf32);
  try {
    config_from_json(R"({"precision": "fp8"})");
    FAIL() << "fp8 was accepted";
  } catch (const std::exception& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("precision"), std::string::npos) << what;
    EXPECT_NE(what.find("fp8"), std::string::npos) << what;
  }
}

TEST(Precision, EachModeSelectsItsGemmInputRoundingAndRoundoff) {
  using backends::InputPrecision;
  EXPECT_EQ(gemm_input(Precision::fp32), InputPrecision::native);
  EXPECT_EQ(gemm_input(Precision::fp64), InputPrecision::native);
  EXPECT_EQ(gemm_input(Precision::tf32), InputPrecision::tf32);
  EXPECT_EQ(gemm_input(Precision::fp16), InputPrecision::fp16);
  EXPECT_EQ(gemm_input(Precision::bf16), InputPrecision::bf16);
  EXPECT_EQ(input_unit_roundoff(Precision::tf32), std::ldexp(1.0, -11));
  EXPECT_EQ(input_unit_roundoff(Precision::fp16), std::ldexp(1.0, -11));
  EXPECT_EQ(input_unit_roundoff(Precision::bf16), std::ldexp(1.0, -8));
  EXPECT_EQ(input_unit_roundoff(Precision::fp32), std::ldexp(1.0, -24));
  EXPECT_EQ(input_unit_roundoff(Precision::fp64), std::ldexp(1.0, -53));
}

// TF32 keeps fp32's exponent and 10 mantissa bits: the result has its low 13 bits clear, is the nearer of the two
// TF32 neighbours of x (ties to the even one), and keeps fp32's range (no overflow below fp32's largest TF32 value).
TEST(Precision, Tf32RoundingIsNearestOnTheTenBitGrid) {
  using backends::round_to_tf32;
  std::mt19937 gen(3);
  std::uniform_real_distribution<float> mantissa(1.0f, 2.0f);
  std::uniform_int_distribution<int> exponent(-120, 120);
  for (int i = 0; i < 20000; ++i) {
    const float x = (i % 2 ? -1.0f : 1.0f) * std::ldexp(mantissa(gen), exponent(gen));
    const float r = round_to_tf32(x);
    ASSERT_EQ(bits(r) & 0x1fffu, 0u) << x;
    const double ulp = std::ldexp(1.0, std::ilogb(x) - 10);
    const double err = std::abs(double(r) - double(x));
    ASSERT_LE(err, 0.5 * ulp) << x;  // nearest: within half a TF32 ulp
    ASSERT_LE(err, std::ldexp(1.0, -11) * std::abs(double(x))) << x;
  }
  EXPECT_EQ(round_to_tf32(1.0f + std::ldexp(1.0f, -11)), 1.0f);  // half an ulp above 1 (even): down
  EXPECT_EQ(round_to_tf32(1.0f + 3 * std::ldexp(1.0f, -11)), 1.0f + std::ldexp(1.0f, -9));  // 1.5 ulp: up to even
  EXPECT_EQ(round_to_tf32(1.0f + std::ldexp(1.0f, -12)), 1.0f);
  EXPECT_EQ(round_to_tf32(std::ldexp(1.0f, -126)), std::ldexp(1.0f, -126));  // fp32's range, not fp16's
  EXPECT_EQ(round_to_tf32(1e30f), std::ldexp(std::round(std::ldexp(1e30, -99) * 1024) / 1024, 99));
  EXPECT_TRUE(std::isinf(round_to_tf32(std::numeric_limits<float>::max())));
  EXPECT_TRUE(std::isnan(round_to_tf32(std::nanf(""))));
  EXPECT_EQ(round_to_tf32(-2.5f), -2.5f);
}

template <class Space>
class PrecisionOnSpace : public ::testing::Test {};
TYPED_TEST_SUITE(PrecisionOnSpace, TestSpaces, SpaceNames);

// Where kdash emulates TF32 (every path on the host, Kokkos Kernels' path on a device), a TF32 GEMM is the fp32 GEMM of
// the TF32-rounded inputs, bit for bit; it differs from the plain fp32 GEMM of the same inputs. A device's vendor path
// hands TF32 to the library, whose rounding is its own.
TYPED_TEST(PrecisionOnSpace, EmulatedTf32GemmIsTheFp32GemmOfRoundedInputs) {
  using Space = TypeParam;
  using backends::GemmPath;
  using backends::InputPrecision;
  using backends::Trans;
  const int count = 3, n = 40;
  auto a_h = random_host_stack<float>(count, n, n, 11);
  auto b_h = random_host_stack<float>(count, n, n, 12);
  auto ar_h = random_host_stack<float>(count, n, n, 11);
  auto br_h = random_host_stack<float>(count, n, n, 12);
  for (std::size_t i = 0; i < ar_h.size(); ++i) {
    ar_h.data()[i] = backends::round_to_tf32(a_h.data()[i]);
    br_h.data()[i] = backends::round_to_tf32(b_h.data()[i]);
  }
  for (GemmPath path : {GemmPath::vendor, GemmPath::kokkos_kernels}) {
    if (path == GemmPath::vendor && !is_host_space_v<Space>) continue;
    auto product = [&](const HostStack<float>& a, const HostStack<float>& b, InputPrecision in) {
      Stack<float, typename Space::memory_space> c("c", count, n, n);
      backends::GemmOptions<float, Space> o;
      o.path = path;
      o.input = in;
      backends::batched_gemm(Space(), Trans::none, Trans::transpose, 1.0f, to_device_input<Space>(a),
                             to_device_input<Space>(b), 0.0f, c, o);
      return to_host(c);
    };
    const auto tf32 = product(a_h, b_h, InputPrecision::tf32);
    const auto rounded_fp32 = product(ar_h, br_h, InputPrecision::native);
    const auto fp32 = product(a_h, b_h, InputPrecision::native);
    int differ = 0;
    for (std::size_t i = 0; i < tf32.size(); ++i) {
      ASSERT_EQ(tf32.data()[i], rounded_fp32.data()[i]) << i;
      differ += tf32.data()[i] != fp32.data()[i];
    }
    EXPECT_GT(differ, int(tf32.size()) / 2);
  }
}

// ---------------------------------------------------------------------------------------------- accuracy per precision

struct PrecisionRun {
  std::vector<Matrix> x;         // the root per block, in double
  std::vector<double> residual;  // max|X^p A - I| per block
  std::vector<double> relative;  // max|X - X_64| / max|X_64| per block
  std::vector<int> iterations;
};

constexpr int kN = 48, kCount = 8, kP = 4;
constexpr double kKappa = 10;

RootOptions method_options(RootMethod m, Precision prec) {
  RootOptions o;
  o.method = m;
  o.p = kP;
  o.precision = prec;
  o.scaling = Scaling::frobenius;  // deterministic: no random start vectors
  o.eps = m == RootMethod::coupled_newton || m == RootMethod::newton_denman_beavers ? 0.0 : 1e-10;
  o.max_iterations = 12;
  o.tolerance = 0;  // the full iteration count in every precision
  o.chebyshev_degree = 30;
  return o;
}

template <class Space>
PrecisionRun run_method(const SpectrumStack<float>& s, RootMethod m, Precision prec,
                        const std::vector<Matrix>* reference) {
  HostStack<float> x;
  const auto results = run_root<Space>(s.host, x, method_options(m, prec));
  PrecisionRun r;
  for (int b = 0; b < kCount; ++b) {
    Matrix xb = s.block(x, b);
    // Chebyshev's output is the root of A / s, not rescaled (docs/solvers.md).
    const double f = m == RootMethod::chebyshev ? std::pow(results[b].scale, -1.0 / kP) : 1.0;
    for (auto& v : xb) v *= f;
    r.residual.push_back(root_residual(xb, s.stored[b], kP, kN));
    r.x.push_back(xb);
    r.iterations.push_back(results[b].iterations);
    if (reference) {
      double diff = 0, size = 0;
      for (std::size_t i = 0; i < xb.size(); ++i) {
        diff = std::max(diff, std::abs(xb[i] - (*reference)[b][i]));
        size = std::max(size, std::abs((*reference)[b][i]));
      }
      r.relative.push_back(diff / size);
    }
  }
  return r;
}

template <class Space>
std::vector<Matrix> roots_in_double(const SpectrumStack<float>& s, RootMethod m) {
  // The fp64 run's X is rounded to float on output; the reference root is recomputed from the fp64 solve of a double
  // copy of the same stored values.
  HostStack<double> a("a64", kCount, kN, kN);
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = double(s.host.data()[i]);
  HostStack<double> x;
  const auto results = run_root<Space>(a, x, method_options(m, Precision::fp64));
  std::vector<Matrix> out;
  for (int b = 0; b < kCount; ++b) {
    Matrix xb(x.data() + std::size_t(b) * kN * kN, x.data() + std::size_t(b + 1) * kN * kN);
    const double f = m == RootMethod::chebyshev ? std::pow(results[b].scale, -1.0 / kP) : 1.0;
    for (auto& v : xb) v *= f;
    out.push_back(xb);
  }
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}
double maximum(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }

// GEMM products in the chain that produces X (see the header).
int chain_length(RootMethod m, const RootOptions& o, int iterations) {
  switch (m) {
    case RootMethod::evd:
      return 1;
    case RootMethod::chebyshev:
      return o.chebyshev_degree;
    default:
      return 2 * iterations;
  }
}

TYPED_TEST(PrecisionOnSpace, EverySolverIsWithinItsPrecisionsBoundOnWellConditionedStacks) {
  using Space = TypeParam;
  std::vector<std::vector<double>> spectra(kCount, geometric_spectrum(kN, kKappa));
  const auto s = spectrum_stack<float>(kN, spectra, 77);
  const double u32 = std::ldexp(1.0, -24);
  std::printf(
      "relative error of X vs the fp64 root (median / max over %d blocks), n = %d, p = %d, kappa = %g, on %s:\n",
      kCount, kN, kP, kKappa, Space::name());
  std::printf("| solver | fp32 | tf32 | bf16 | fp16 |\n|---|---|---|---|---|\n");
  for (RootMethod m :
       {RootMethod::evd, RootMethod::coupled_newton, RootMethod::newton_denman_beavers, RootMethod::chebyshev}) {
    const auto reference = roots_in_double<Space>(s, m);
    const PrecisionRun exact = run_method<Space>(s, m, Precision::fp64, nullptr);
    const PrecisionRun fp32 = run_method<Space>(s, m, Precision::fp32, &reference);
    std::string row = "| " + to_string(m) + " |";
    for (Precision prec : {Precision::fp32, Precision::tf32, Precision::bf16, Precision::fp16}) {
      const PrecisionRun r = prec == Precision::fp32 ? fp32 : run_method<Space>(s, m, prec, &reference);
      char cell[64];
      std::snprintf(cell, sizeof cell, " %.1e / %.1e |", median(r.relative), maximum(r.relative));
      row += cell;
      const double u_in = prec == Precision::fp32 ? 0.0 : input_unit_roundoff(prec);
      const double delta_g = 2 * u_in + std::sqrt(double(kN)) * u32;
      for (int b = 0; b < kCount; ++b) {
        SCOPED_TRACE(::testing::Message() << to_string(m) << " " << to_string(prec) << " block " << b);
        const double base = m == RootMethod::evd ? std::max(exact.residual[b], fp32.residual[b]) : exact.residual[b];
        const int g = chain_length(m, method_options(m, prec), r.iterations[b]);
        EXPECT_LE(r.residual[b], base + kP * g * delta_g * kKappa);
        if (m == RootMethod::evd) {
          const double gamma_n = kN * u32 / (1 - kN * u32);
          const double d_norm = std::pow(1 / kKappa - kN * u32, -1.0 / kP);
          double diff = 0;
          for (std::size_t i = 0; i < r.x[b].size(); ++i) diff = std::max(diff, std::abs(r.x[b][i] - fp32.x[b][i]));
          EXPECT_LE(diff, (2 * u_in + u_in * u_in + 2 * gamma_n) * d_norm);
        }
      }
    }
    std::printf("%s\n", row.c_str());
  }
}

}  // namespace
