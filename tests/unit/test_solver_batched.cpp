// Properties every solver shares: a batched run equals the one-block-at-a-time runs, non-finite and zero blocks,
// huge dynamic range, option validation, the auto rule.
//
// Why bitwise equality is expected: a block's arithmetic never depends on the other blocks. Its scale comes from
// per-block team reductions (same team size for the same n) and start vectors keyed by (seed, first_block + b);
// every GEMM computes the block with the same calls (the path depends on n only, and the host's row panels on the
// block's rows only, not on the stack: GemmSolversGiveEveryBlockTheBitsOfItsLoneRun); masks freeze
// finished blocks instead of changing their arithmetic. So the test demands exact equality for CN, NDB and Chebyshev; a
// failure means cross-block coupling. EVD is the exception: LAPACK's syevd runs single-threaded per block in a stack
// but threaded (its tridiagonalisation's symv/gemm split their sums over threads) for a lone block, so the two runs are
// two backward-stable eigendecompositions, each within EVD's bound of the exact root (test_evd_root.cpp: 10 n u kappa /
// p relative); the test allows twice that between them.
#include "test_solver_matrices.hpp"
#include "test_spaces.hpp"  // tests/test_spaces.hpp

#include <kdash/backends/batched_gemm.hpp>
#include <kdash/solvers/automatic_method.hpp>
#include <kdash/solvers/chebyshev.hpp>
#include <kdash/solvers/impl/host_block_iteration.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>

namespace {

using namespace kdash;
using namespace kdash::testing;

RootOptions options_for(RootMethod m) {
  RootOptions o;
  o.method = m;
  o.p = 4;
  o.eps = 1e-10;
  o.tolerance = 1e-5;
  o.max_iterations = 15;
  o.seed = 17;
  return o;
}

const RootMethod kMethods[] = {RootMethod::evd, RootMethod::coupled_newton, RootMethod::newton_denman_beavers,
                               RootMethod::chebyshev};

template <class T>
HostStack<T> single_block(const HostStack<T>& h, int b) {
  HostStack<T> one("one", 1, h.extent(1), h.extent(2));
  Kokkos::deep_copy(one, Kokkos::subview(h, std::make_pair(b, b + 1), Kokkos::ALL, Kokkos::ALL));
  return one;
}

// Block b of `stack` solved alone (first_block = b, so the same start vectors) must give the batched run's results
// r[b] and X(b) bit for bit.
template <class Space>
void expect_bits_of_lone_run(const HostStack<float>& stack, const HostStack<float>& x,
                             const std::vector<BlockRootResult>& r, int b, const RootOptions& o) {
  const int n = static_cast<int>(stack.extent(1));
  auto alone = o;
  alone.first_block = b;
  HostStack<float> x1;
  auto r1 = run_root<Space>(single_block(stack, b), x1, alone);
  EXPECT_EQ(r1[0].status, r[b].status);
  EXPECT_EQ(r1[0].iterations, r[b].iterations);
  EXPECT_EQ(r1[0].lambda_max, r[b].lambda_max);
  EXPECT_EQ(r1[0].condition, r[b].condition);
  if (r[b].status != RootStatus::non_finite) EXPECT_EQ(r1[0].residual, r[b].residual);
  int mismatches = 0;
  for (int i = 0; i < n * n; ++i) mismatches += x1.data()[i] != x.data()[std::size_t(b) * n * n + i];
  EXPECT_EQ(mismatches, 0);
}

// Counts the host block-schedule kernels (labels "kdash::<solver>::block_schedule") launched while it lives, through
// Kokkos Tools' begin-parallel-for callback: a test of the block schedule's bits would pass just as well if the solver
// silently fell back to the stack schedule, so it also checks that the block schedule ran.
class BlockScheduleLaunches {
 public:
  BlockScheduleLaunches() {
    counter() = 0;
    Kokkos::Tools::Experimental::set_begin_parallel_for_callback(&on_begin);
  }
  ~BlockScheduleLaunches() { Kokkos::Tools::Experimental::set_begin_parallel_for_callback(nullptr); }
  BlockScheduleLaunches(const BlockScheduleLaunches&) = delete;
  BlockScheduleLaunches& operator=(const BlockScheduleLaunches&) = delete;
  int count() const { return counter(); }

 private:
  static int& counter() {
    static int launches = 0;
    return launches;
  }
  static void on_begin(const char* name, std::uint32_t, std::uint64_t*) {
    if (std::string_view(name).find("::block_schedule") != std::string_view::npos) ++counter();
  }
};

template <class Space>
class SolverBatched : public ::testing::Test {};
TYPED_TEST_SUITE(SolverBatched, TestSpaces, SpaceNames);

TYPED_TEST(SolverBatched, EveryBatchedSolverEqualsItsOneBlockAtATimeRun) {
  using Space = TypeParam;
  for (int n : {3, 20, 72}) {  // 72 > kSmallBlock: the vendor (BLAS) GEMM path
    std::vector<std::vector<double>> spectra;
    const std::vector<double> kappas{1e1, 1e2, 1e3, 1e4, 3.0};
    for (double kappa : kappas) spectra.push_back(geometric_spectrum(n, kappa));
    auto stack = spectrum_stack<float>(n, spectra, 40 + n);
    for (RootMethod m : kMethods)
      for (Scaling sc : {Scaling::power_iteration, Scaling::multi_vector_power_iteration, Scaling::frobenius}) {
        if (m == RootMethod::evd && sc != Scaling::power_iteration) continue;  // EVD has no scale
        auto o = options_for(m);
        o.scaling = sc;
        HostStack<float> x;
        auto r = run_root<Space>(stack.host, x, o);
        for (int b = 0; b < int(spectra.size()); ++b) {
          auto alone = o;
          alone.first_block = b;
          HostStack<float> x1;
          auto r1 = run_root<Space>(single_block(stack.host, b), x1, alone);
          SCOPED_TRACE(::testing::Message() << to_string(m) << " " << to_string(sc) << " n=" << n << " block " << b);
          // On the host every block is the same BLAS/LAPACK call, so the runs round alike. On a GPU the vendor
          // GEMM and eigensolver may pick another kernel for a batch of 5 than for a batch of 1: the stacked run then
          // equals the one-block run up to rounding (the bounds below), and a convergence test may flip by one
          // iteration. Kokkos Kernels' team GEMM (n <= kSmallBlock) computes each block alike at any batch size.
          const bool same_rounding = is_host_space_v<Space> || (m != RootMethod::evd && n <= backends::kSmallBlock);
          if (same_rounding) {
            EXPECT_EQ(r1[0].status, r[b].status);
            EXPECT_EQ(r1[0].iterations, r[b].iterations);
            EXPECT_EQ(r1[0].residual, r[b].residual);
          } else {
            EXPECT_LE(std::abs(r1[0].iterations - r[b].iterations), 1);
            // The one iteration may be the last one allowed: converged in one run, not_converged in the other.
            const bool flip_at_cap =
                std::max(r1[0].iterations, r[b].iterations) >= o.max_iterations && r1[0].iterations != r[b].iterations;
            if (!flip_at_cap) EXPECT_EQ(r1[0].status, r[b].status);
          }
          if (m == RootMethod::evd || !same_rounding) {
            // EVD: the eigenvector perturbation bound. Iterative solvers: each run's X is within 2 k delta_g
            // (relative) of the exact iteration, delta_g = 2u + sqrt(n) u per GEMM (test_solver_coupled_newton.cpp),
            // so two runs differ by at most twice that, k = the larger iteration count.
            const double u = 6e-8;
            const int k = std::max({r1[0].iterations, r[b].iterations, 1});
            const double rel = m == RootMethod::evd ? 2 * 10.0 * n * u * kappas[b] / o.p
                                                    : 4.0 * k * (2 * u + std::sqrt(double(n)) * u);
            double scale = 0, worst = 0;
            for (int i = 0; i < n * n; ++i) {
              scale = std::max(scale, double(std::abs(x1.data()[i])));
              worst = std::max(worst, double(std::abs(x1.data()[i] - x.data()[b * n * n + i])));
            }
            EXPECT_LE(worst, rel * scale);
            EXPECT_NEAR(r1[0].lambda_max, r[b].lambda_max, 2 * 10 * n * u);
            continue;
          }
          EXPECT_EQ(r1[0].lambda_max, r[b].lambda_max);
          int mismatches = 0;
          for (int i = 0; i < n * n; ++i) mismatches += x1.data()[i] != x.data()[b * n * n + i];
          EXPECT_EQ(mismatches, 0);
        }
      }
  }
}

// Every solver on the host has two schedules (solvers/impl/host_block_iteration.hpp): stack by stack, and block by
// block when the stack has kBlockScheduleMinBlocksPerThread blocks per thread. A lone block takes the stack schedule,
// the full stack below the block schedule; both must give the same bits, iteration counts and statuses, also for a
// block that converges early, one that does not converge and a non-finite one. n = 72: one unit per block; n = 130: two
// units (backends/batched_syrk.hpp); both below the size at which a lone block's ?syevd is threaded
// (backends/host_block_loop.hpp).
TYPED_TEST(SolverBatched, TheBlockScheduleGivesTheStackSchedulesBits) {
  using Space = TypeParam;
  if (!is_host_space_v<Space>) GTEST_SKIP() << "devices have the stack schedule only";
  const int count = solvers::impl::kBlockScheduleMinBlocksPerThread * compat::concurrency(Space()) + 1;
  for (RootMethod m : kMethods)
    for (int n : {72, 130}) {
      std::vector<std::vector<double>> spectra;
      for (int b = 0; b < count; ++b) spectra.push_back(geometric_spectrum(n, b == 0 ? 2.0 : b == 1 ? 1e8 : 1e3));
      auto stack = spectrum_stack<float>(n, spectra, 60 + n);
      stack.host(2, 1, 3) = std::numeric_limits<float>::infinity();
      auto o = options_for(m);
      o.scaling = Scaling::frobenius;
      o.tolerance = 1e-5;
      o.max_iterations = 12;
      HostStack<float> x;
      std::vector<BlockRootResult> r;
      {
        BlockScheduleLaunches launches;
        r = run_root<Space>(stack.host, x, o);
        EXPECT_GT(launches.count(), 0) << to_string(m) << " n=" << n << ": the stack did not take the block schedule";
      }
      EXPECT_EQ(r[2].status, RootStatus::non_finite);
      if (m == RootMethod::coupled_newton) {
        EXPECT_EQ(r[0].status, RootStatus::converged);
        EXPECT_LT(r[0].iterations, o.max_iterations);
        EXPECT_EQ(r[1].status, RootStatus::not_converged);
      }
      for (int b = 0; b < count; ++b) {
        SCOPED_TRACE(::testing::Message() << to_string(m) << " n=" << n << " block " << b);
        expect_bits_of_lone_run<Space>(stack.host, x, r, b, o);
      }
    }
}

// The host GEMM cuts a block's product into row panels. A BLAS may round a row differently when it lies in another
// panel (OpenBLAS' Haswell/Zen sgemm kernels do, at every size tried, aligned splits included), so the split must
// not follow the number of active blocks: then a stacked run, whose active count changes as blocks converge, would
// differ from each block's lone run. The GEMM-based solvers (Newton–DB, Chebyshev; EVD's reconstruction below
// kHostSyrkMinSize) are run on odd and even stacks above the serial cutoff (kHostSerialFlops) at sizes that are and
// are not split, and every block must have the bits of its lone run.
TYPED_TEST(SolverBatched, GemmSolversGiveEveryBlockTheBitsOfItsLoneRun) {
  using Space = TypeParam;
  if (!is_host_space_v<Space>) GTEST_SKIP() << "devices: the vendor library may pick another kernel per batch size";
  struct Case {
    RootMethod method;
    int n, count;
  };
  const Case cases[] = {{RootMethod::newton_denman_beavers, 72, 7},
                        {RootMethod::newton_denman_beavers, 130, 6},
                        {RootMethod::newton_denman_beavers, 130, 7},
                        {RootMethod::newton_denman_beavers, 256, 4},
                        {RootMethod::chebyshev, 72, 7},
                        {RootMethod::chebyshev, 130, 6},
                        {RootMethod::evd, 40, 33}};
  for (const Case& c : cases) {
    ASSERT_GT(2.0 * c.n * c.n * c.n * c.count, backends::kHostSerialFlops);
    std::vector<std::vector<double>> spectra;
    const double kappas[] = {1e1, 1e2, 1e3, 1e4, 3.0};  // converge after different iteration counts
    for (int b = 0; b < c.count; ++b) spectra.push_back(geometric_spectrum(c.n, kappas[b % 5]));
    auto stack = spectrum_stack<float>(c.n, spectra, 80 + c.n + c.count);
    auto o = options_for(c.method);
    o.scaling = Scaling::frobenius;
    HostStack<float> x;
    auto r = run_root<Space>(stack.host, x, o);
    for (int b = 0; b < c.count; ++b) {
      SCOPED_TRACE(::testing::Message() << to_string(c.method) << " n=" << c.n << " count=" << c.count << " block "
                                        << b);
      expect_bits_of_lone_run<Space>(stack.host, x, r, b, o);
    }
  }
}

TYPED_TEST(SolverBatched, NonFiniteBlockIsFlaggedAndUnchangedWhileTheOthersAreComputed) {
  using Space = TypeParam;
  const int n = 10;
  auto stack = spectrum_stack<float>(n, {geometric_spectrum(n, 10), geometric_spectrum(n, 10)}, 3);
  HostStack<float> bad("bad", 2, n, n);
  Kokkos::deep_copy(bad, stack.host);
  bad(1, 4, 2) = std::numeric_limits<float>::quiet_NaN();
  HostStack<float> inf_block("inf", 2, n, n);
  Kokkos::deep_copy(inf_block, stack.host);
  inf_block(1, 0, 0) = std::numeric_limits<float>::infinity();
  for (RootMethod m : kMethods)
    for (const auto& input : {bad, inf_block}) {
      auto o = options_for(m);
      Stack<float, typename Space::memory_space> x("x", 2, n, n);
      Kokkos::deep_copy(x, -5.0f);
      auto r = inverse_root(Space(), to_device_input<Space>(input), x, o);
      auto xh = to_host(x);
      HostStack<float> ref;
      // The reference is the same stack without the poison (same block count, so EVD threads the same way).
      auto r0 = run_root<Space>(stack.host, ref, o);
      SCOPED_TRACE(to_string(m));
      EXPECT_EQ(r[1].status, RootStatus::non_finite);
      EXPECT_EQ(r[0].status, r0[0].status);
      EXPECT_NE(r[0].status, RootStatus::non_finite);
      for (int i = 0; i < n * n; ++i) {
        ASSERT_EQ(xh.data()[n * n + i], -5.0f);
        ASSERT_EQ(xh.data()[i], ref.data()[i]);
      }
    }
}

TYPED_TEST(SolverBatched, PrecisionConversionLeavesUnwrittenBlocksBitForBit) {
  using Space = TypeParam;
  // A double stack solved with float state (tf32, fp16 or bf16 inputs) is converted in and out; the poisoned block's X
  // holds a double that float cannot represent and must come back untouched.
  const int n = 5;
  auto stack = spectrum_stack<double>(n, {geometric_spectrum(n, 10), geometric_spectrum(n, 10)}, 8);
  stack.host(1, 0, 0) = std::numeric_limits<double>::quiet_NaN();
  const double untouched = 1.0 + 1e-12;
  for (RootMethod m : kMethods)
    for (Precision p : {Precision::tf32, Precision::fp16, Precision::bf16, Precision::fp64}) {
      auto o = options_for(m);
      o.precision = p;
      Stack<double, typename Space::memory_space> x("x", 2, n, n);
      Kokkos::deep_copy(x, untouched);
      auto r = inverse_root(Space(), to_device_input<Space>(stack.host), x, o);
      auto xh = to_host(x);
      EXPECT_EQ(r[1].status, RootStatus::non_finite);
      EXPECT_NE(r[0].status, RootStatus::non_finite);
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) ASSERT_EQ(xh(1, i, j), untouched) << to_string(m) << " " << to_string(p);
      EXPECT_NE(xh(0, 0, 0), untouched);
    }
}

TYPED_TEST(SolverBatched, ZeroBlockGetsTheRidgeRootOrIsFlaggedWithoutRidge) {
  using Space = TypeParam;
  // A = 0 with the ridge eps: A + eps I = eps I, whose root is eps^(-1/p) I (EVD: the Shampoo fix-up adds eps once
  // more, 2 eps). Chebyshev maps S = -I, so X = poly(-1) I (its fit's value at x = eps, not rescaled).
  const int n = 6;
  HostStack<float> zero("zero", 2, n, n);
  for (int i = 0; i < n; ++i) zero(1, i, i) = 1.0f;
  for (RootMethod m : {RootMethod::coupled_newton, RootMethod::newton_denman_beavers, RootMethod::evd}) {
    auto o = options_for(m);
    o.eps = 1e-6;
    o.tolerance = 1e-5;
    o.max_iterations = 30;
    HostStack<float> x;
    auto r = run_root<Space>(zero, x, o);
    SCOPED_TRACE(to_string(m));
    EXPECT_EQ(r[0].status, RootStatus::converged);
    double expected = std::pow(m == RootMethod::evd ? 2 * o.eps : o.eps, -1.0 / o.p);
    if (m == RootMethod::chebyshev)
      expected = solvers::chebyshev_evaluate(
          solvers::chebyshev_coefficients(o.eps, o.chebyshev_degree, o.p, o.chebyshev_nodes), -1.0);
    // Iterative solvers: converged to tol on max|M - I| (M = X^4 eps) => X within tol/4 relative (+ rounding 1e-6).
    const double rel = m == RootMethod::chebyshev || m == RootMethod::evd ? 1e-5 : o.tolerance / 4 + 1e-5;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) EXPECT_NEAR(x(0, i, j), i == j ? expected : 0.0, rel * expected);
  }
  // No ridge: the root does not exist (CN/NDB: s = 0; EVD: 0^(-1/p)); the block is flagged and left unchanged.
  for (RootMethod m : {RootMethod::coupled_newton, RootMethod::newton_denman_beavers, RootMethod::evd}) {
    auto o = options_for(m);
    o.eps = 0;
    Stack<float, typename Space::memory_space> x("x", 2, n, n);
    Kokkos::deep_copy(x, 9.0f);
    auto r = inverse_root(Space(), to_device_input<Space>(zero), x, o);
    EXPECT_EQ(r[0].status, RootStatus::non_finite) << to_string(m);
    EXPECT_EQ(r[1].status, RootStatus::converged) << to_string(m);
    EXPECT_EQ(to_host(x)(0, 2, 2), 9.0f);
  }
}

TYPED_TEST(SolverBatched, HugeDynamicRangeAcrossBlocks) {
  using Space = TypeParam;
  // Blocks scaled by 2^100 and 2^-100 (squares over- and underflow float) in one stack: the scale-equivariant
  // solvers give X(c A) = c^(-1/p) X(A). c^(-1/4) is a power of two, so every product scales exactly except
  // X0 = z^(1/p), a pow rounded to <= 1 ulp; its relative error (2u) passes linearly through X = X0 T0 T1 ...,
  // each product then rounding differently: 2u + k sqrt(n) u relative in all.
  const int n = 12;
  auto unit = spectrum_stack<float>(n, {geometric_spectrum(n, 100)}, 6);
  HostStack<float> mixed("mixed", 3, n, n);
  const int e2[3] = {100, 0, -100};
  for (int b = 0; b < 3; ++b)
    for (int i = 0; i < n * n; ++i) mixed.data()[b * n * n + i] = std::ldexp(unit.host.data()[i], e2[b]);
  for (RootMethod m : {RootMethod::coupled_newton, RootMethod::newton_denman_beavers, RootMethod::evd}) {
    auto o = options_for(m);
    o.eps = 0;
    o.tolerance = 0;
    o.max_iterations = 12;
    o.scaling = Scaling::frobenius;
    HostStack<float> x;
    auto r = run_root<Space>(mixed, x, o);
    const double u = 6e-8;
    // EVD: LAPACK's eigensolver scales internally but not by exact powers of two; its own bound (test_evd_root.cpp):
    // 10 n u kappa / p.
    const double rel = m == RootMethod::evd ? 10.0 * n * u * 100 / 4 : 2 * u + 2 * o.max_iterations * std::sqrt(n) * u;
    double ref = 0;
    for (int i = 0; i < n * n; ++i) ref = std::max(ref, double(std::abs(x.data()[n * n + i])));
    for (int b : {0, 2}) {
      SCOPED_TRACE(::testing::Message() << to_string(m) << " 2^" << e2[b]);
      EXPECT_NE(r[b].status, RootStatus::non_finite);
      double worst = 0;
      for (int i = 0; i < n * n; ++i)
        worst = std::max(
            worst, std::abs(std::ldexp(double(x.data()[b * n * n + i]), e2[b] / 4) - double(x.data()[n * n + i])));
      EXPECT_LE(worst, rel * ref);
    }
  }
}

TYPED_TEST(SolverBatched, OptionsAreValidatedWithMessagesNamingThem) {
  using Space = TypeParam;
  using ConstStack = Stack<const float, typename Space::memory_space>;
  Stack<float, typename Space::memory_space> a("a", 1, 3, 3), x("x", 1, 3, 3);
  auto expect_throw = [&](RootOptions o, const std::string& needle) {
    try {
      inverse_root(Space(), ConstStack(a), x, o);
      ADD_FAILURE() << "no exception for " << needle;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  auto o = options_for(RootMethod::coupled_newton);
  o.p = 2.5;
  expect_throw(o, "integer root");
  o = options_for(RootMethod::newton_denman_beavers);
  o.p = 3;
  expect_throw(o, "2 or 4");
  o = options_for(RootMethod::chebyshev);
  o.chebyshev_nodes = 10;
  expect_throw(o, "cheb_nodes");
  o = options_for(RootMethod::coupled_newton);
  o.max_iterations = 0;
  expect_throw(o, "newton_steps");
  o.max_iterations = 5;
  o.tolerance = std::nan("");
  expect_throw(o, "tolerance");
  Stack<float, typename Space::memory_space> wrong("w", 1, 3, 2);
  EXPECT_THROW(inverse_root(Space(), ConstStack(wrong), x, options_for(RootMethod::coupled_newton)),
               std::invalid_argument);
}

TYPED_TEST(SolverBatched, AutomaticRule) {
  using Space = TypeParam;
  RootOptions o;
  o.method = RootMethod::automatic;
  EXPECT_EQ(solvers::resolve_automatic(o, 1024, true).method, RootMethod::evd);
  auto gpu = solvers::resolve_automatic(o, 1024, false);
  EXPECT_EQ(gpu.method, RootMethod::coupled_newton);
  EXPECT_EQ(gpu.precision, Precision::fp16);
  auto gpu_small = solvers::resolve_automatic(o, 128, false);
  EXPECT_EQ(gpu_small.method, RootMethod::coupled_newton);
  EXPECT_EQ(gpu_small.precision, Precision::fp32);
  o.p = 2.5;
  EXPECT_EQ(solvers::resolve_automatic(o, 1024, false).method, RootMethod::evd);
  o.method = RootMethod::newton_denman_beavers;
  EXPECT_EQ(solvers::resolve_automatic(o, 1024, false).method,
            RootMethod::newton_denman_beavers);  // explicit choices stay
  // Through the interface, auto gives exactly the results of the method and precision the rule picks for this
  // backend (EVD on hosts).
  const int n = 9;
  auto stack = spectrum_stack<float>(n, {geometric_spectrum(n, 50)}, 1);
  RootOptions a;
  a.method = RootMethod::automatic;
  RootOptions e = solvers::resolve_automatic(a, n, is_host_space_v<Space>);
  EXPECT_NE(e.method, RootMethod::automatic);
  if (is_host_space_v<Space>) EXPECT_EQ(e.method, RootMethod::evd);
  HostStack<float> xa, xe;
  run_root<Space>(stack.host, xa, a);
  run_root<Space>(stack.host, xe, e);
  for (int i = 0; i < n * n; ++i) ASSERT_EQ(xa.data()[i], xe.data()[i]);
}

}  // namespace
