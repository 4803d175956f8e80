// The DASH step (design.md §1) against independent implementations written here: first-order steps (preconditioning
// off), a double-precision implementation of the whole step, the three stacking modes against each other, the
// non-finite gradient policy and bad input, on every execution space; and optimizers on several spaces or instances in
// one program against lone runs.
#include <gtest/gtest.h>

#include <kdash/backends/kokkos_compat.hpp>
#include <kdash/io/npy.hpp>
#include <kdash/optimizer.hpp>

#include "optimizer_test_helpers.hpp"
#include "test_helpers.hpp"
#include "test_spaces.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>

namespace {

using kdash::Config;
using kdash::ParamSpec;
using kdash::testing::expect_error_naming;
using HostParams = std::vector<std::vector<double>>;

std::size_t count_of(const ParamSpec& s) { return static_cast<std::size_t>(kdash::numel(s)); }

// Deterministic gradients: uniform in [-1, 1], a different stream per step.
HostParams make_grads(const std::vector<ParamSpec>& specs, int step, unsigned seed = 1) {
  std::mt19937_64 gen(seed * 1000003u + static_cast<unsigned>(step));
  std::uniform_real_distribution<double> dist(-1, 1);
  HostParams g;
  for (const auto& s : specs) {
    std::vector<double> v(count_of(s));
    for (auto& x : v) x = static_cast<float>(dist(gen));  // exactly representable in float
    g.push_back(v);
  }
  return g;
}

HostParams initial_params(const std::vector<ParamSpec>& specs) { return make_grads(specs, -1, 99); }

// Parameters from initial_params and gradient buffers in the memory of `Space`; step() uploads a step's gradients.
template <class Space>
struct Harness {
  using Optimizer = kdash::Optimizer<Space>;
  using ParamView = typename Optimizer::ParamView;

  std::vector<ParamView> params;
  std::vector<ParamView> grads;

  explicit Harness(const std::vector<ParamSpec>& specs) {
    const HostParams w0 = initial_params(specs);
    for (std::size_t i = 0; i < specs.size(); ++i) {
      params.emplace_back("param", count_of(specs[i]));
      grads.emplace_back("grad", count_of(specs[i]));
      upload(params[i], w0[i]);
    }
  }
  static void upload(const ParamView& v, const std::vector<double>& x) {
    auto h = Kokkos::create_mirror_view(v);
    for (std::size_t k = 0; k < x.size(); ++k) h(k) = static_cast<float>(x[k]);
    Kokkos::deep_copy(v, h);
  }
  void step(Optimizer& opt, const HostParams& g) {
    std::vector<typename Optimizer::GradView> gv;
    for (std::size_t i = 0; i < grads.size(); ++i) {
      upload(grads[i], g[i]);
      gv.push_back(grads[i]);
    }
    opt.step(params, gv);
  }
  HostParams values() const {
    HostParams out;
    for (const auto& p : params) {
      auto h = kdash::testing::to_host(p);
      out.emplace_back(h.data(), h.data() + h.extent(0));
    }
    return out;
  }
};

// Runs kdash on `exec` for `steps` steps from initial_params with make_grads; returns the parameters after the last.
template <class Space>
HostParams run_kdash(const std::vector<ParamSpec>& specs, const Config& cfg, int steps, const Space& exec = Space()) {
  kdash::Optimizer<Space> opt(exec, specs, cfg);
  Harness<Space> run(specs);
  for (int t = 1; t <= steps; ++t) run.step(opt, make_grads(specs, t));
  return run.values();
}

// max_i |a_i - b_i| / max(max_i |b_i|, tiny), per parameter, the largest over parameters.
double max_relative(const HostParams& a, const HostParams& b) {
  double worst = 0;
  for (std::size_t p = 0; p < a.size(); ++p) {
    double diff = 0, scale = 1e-30;
    for (std::size_t k = 0; k < a[p].size(); ++k) {
      diff = std::max(diff, std::abs(a[p][k] - b[p][k]));
      scale = std::max(scale, std::abs(b[p][k]));
    }
    worst = std::max(worst, diff / scale);
  }
  return worst;
}

// ---------------------------------------------------------------------------------------------------------------
// An independent double-precision implementation of design.md §1, written from the specification with plain loops.
// Inverse roots by cyclic Jacobi (not LAPACK), with the Shampoo eigenvalue rule of design.md §3 (EVD).

using Matrix = std::vector<double>;  // row-major n x n

// Eigen-decomposition of a symmetric matrix: a is destroyed, v gets the eigenvectors as columns.
void jacobi_eigen(int n, Matrix a, std::vector<double>& w, Matrix& v) {
  v.assign(std::size_t(n) * n, 0);
  for (int i = 0; i < n; ++i) v[i * n + i] = 1;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0;
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j) off += a[i * n + j] * a[i * n + j];
    if (off < 1e-300) break;
    for (int p = 0; p < n; ++p)
      for (int q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (std::abs(apq) < 1e-300) continue;
        const double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1 : -1) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; ++k) {  // A <- A J
          const double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (int k = 0; k < n; ++k) {  // A <- J^T A
          const double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (int k = 0; k < n; ++k) {
          const double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  w.resize(n);
  for (int i = 0; i < n; ++i) w[i] = a[i * n + i];
}

// (S + eps I)^(-1/p) with the Shampoo fix-up: lambda <- lambda + eps - min(min lambda, 0) on the eigenvalues of
// S + eps I (design.md §3).
Matrix inverse_root(const Matrix& s, int n, double p, double eps) {
  Matrix a = s;
  for (int i = 0; i < n; ++i) a[i * n + i] += eps;
  std::vector<double> w;
  Matrix v;
  jacobi_eigen(n, a, w, v);
  const double shift = eps - std::min(*std::min_element(w.begin(), w.end()), 0.0);
  Matrix x(std::size_t(n) * n, 0);
  for (int k = 0; k < n; ++k) {
    const double f = std::pow(w[k] + shift, -1 / p);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) x[i * n + j] += v[i * n + k] * f * v[j * n + k];
  }
  return x;
}

class ReferenceDash {
 public:
  ReferenceDash(std::vector<ParamSpec> specs, Config cfg) : specs_(std::move(specs)), cfg_(cfg) {
    const std::int64_t b = cfg.block_size;
    for (std::size_t p = 0; p < specs_.size(); ++p) {
      const bool vec = specs_[p].shape.size() <= 1;
      const std::int64_t rows = vec ? std::int64_t(count_of(specs_[p])) : specs_[p].shape[0];
      const std::int64_t cols = vec ? 1 : std::int64_t(count_of(specs_[p])) / rows;
      auto add = [&](std::int64_t r0, std::int64_t c0, std::int64_t r, std::int64_t c) {
        Block blk;
        blk.param = p;
        blk.ld = cols;
        blk.r0 = r0;
        blk.c0 = c0;
        blk.r = int(r);
        blk.c = int(c);
        blk.kind = !vec ? 2 : cfg.one_dim == kdash::OneDimMode::shampoo ? 1 : 0;
        blk.L.assign(std::size_t(r * r), 0);
        blk.R.assign(std::size_t(c * c), 0);
        blk.XL = identity(int(r));
        blk.XR = identity(int(c));
        blk.A.assign(std::size_t(r * c), 0);
        blk.E = blk.M = blk.A;
        blocks_.push_back(blk);
      };
      // The blocking rule of design.md §2, written out.
      for (std::int64_t i = 0; i + b <= rows; i += b)
        for (std::int64_t j = 0; j + b <= cols; j += b) add(i, j, b, b);
      for (std::int64_t i = 0; i + b <= rows; i += b)
        if (cols % b) add(i, cols - cols % b, b, cols % b);
      for (std::int64_t j = 0; j + b <= cols; j += b)
        if (rows % b) add(rows - rows % b, j, rows % b, b);
      if (rows % b && cols % b) add(rows - rows % b, cols - cols % b, rows % b, cols % b);
    }
  }

  void step(HostParams& w, const HostParams& grads) {
    const Config& c = cfg_;
    ++t_;
    const long long first = std::max<long long>(1, c.start_prec_step);
    const bool precondition = t_ >= first;
    const bool roots = precondition && (t_ == first || t_ % c.root_freq == 0);
    HostParams w_before = w;
    for (Block& blk : blocks_) {
      const int r = blk.r, cc = blk.c, n = r * cc;
      std::vector<double> g(n), wb(n);
      for (int i = 0; i < r; ++i)
        for (int j = 0; j < cc; ++j) {
          const std::size_t at = std::size_t((blk.r0 + i) * blk.ld + blk.c0 + j);
          g[i * cc + j] = grads[blk.param][at];
          wb[i * cc + j] = w_before[blk.param][at];
        }
      const bool matrix = blk.kind == 2;
      if (matrix && c.weight_decay_mode == kdash::WeightDecayMode::l2)
        for (int k = 0; k < n; ++k) g[k] += c.weight_decay * wb[k];
      std::vector<double> P(n);
      if (blk.kind == 0) {  // AdamW: beta1 0.9, beta2 0.95, eps 1e-8
        const double b1 = c.bias_correction ? 1 - std::pow(0.9, t_) : 1;
        const double b2 = c.bias_correction ? 1 - std::pow(0.95, t_) : 1;
        for (int k = 0; k < n; ++k) {
          blk.E[k] = 0.9 * blk.E[k] + 0.1 * g[k];
          blk.A[k] = 0.95 * blk.A[k] + 0.05 * g[k] * g[k];
          P[k] = blk.E[k] / b1 / (1e-8 + std::sqrt(blk.A[k] / b2));
        }
      } else {
        // 3. statistics
        const bool sums = c.beta_statistics >= 1;
        const double keep = sums ? 1 : c.beta_statistics, add = sums ? 1 : 1 - c.beta_statistics;
        for (int i = 0; i < r; ++i)
          for (int j = 0; j < r; ++j) {
            double s = 0;
            for (int k = 0; k < cc; ++k) s += g[i * cc + k] * g[j * cc + k];
            blk.L[i * r + j] = keep * blk.L[i * r + j] + add * s;
          }
        if (matrix)
          for (int i = 0; i < cc; ++i)
            for (int j = 0; j < cc; ++j) {
              double s = 0;
              for (int k = 0; k < r; ++k) s += g[k * cc + i] * g[k * cc + j];
              blk.R[i * cc + j] = keep * blk.R[i * cc + j] + add * s;
            }
        // 4, 6, 7
        const double bg = c.bias_correction && c.beta_g > 0 ? 1 - std::pow(c.beta_g, t_) : 1;
        const double ba =
            c.bias_correction && c.grafting == kdash::GraftingType::adam ? 1 - std::pow(c.beta_graft, t_) : 1;
        std::vector<double> ghat(n), pg(n);
        double ngraft = 0;
        for (int k = 0; k < n; ++k) {
          if (c.beta_g > 0) blk.E[k] = c.beta_g * blk.E[k] + (1 - c.beta_g) * g[k];
          ghat[k] = c.beta_g > 0 ? blk.E[k] : g[k];
          switch (c.grafting) {
            case kdash::GraftingType::adam:
            case kdash::GraftingType::rmsprop:
              blk.A[k] = c.beta_graft * blk.A[k] + (1 - c.beta_graft) * g[k] * g[k];
              break;
            case kdash::GraftingType::adagrad:
              blk.A[k] += g[k] * g[k];
              break;
            default:
              break;
          }
          pg[k] = ghat[k] / bg;
          if (c.grafting != kdash::GraftingType::sgd) pg[k] /= c.eps_graft + std::sqrt(blk.A[k] / ba);
          ngraft += pg[k] * pg[k];
        }
        ngraft = std::sqrt(ngraft);
        if (!precondition) {
          P = pg;
        } else {
          // 5. roots
          if (roots) {
            blk.XL = inverse_root(blk.L, r, matrix ? 4 : 2, c.root.eps);
            if (matrix) blk.XR = inverse_root(blk.R, cc, 4, c.root.eps);
          }
          // 8. U = XL ghat XR, rescaled to the grafting norm
          std::vector<double> tmp(n, 0), u(n, 0);
          for (int i = 0; i < r; ++i)
            for (int j = 0; j < cc; ++j)
              for (int k = 0; k < r; ++k) tmp[i * cc + j] += blk.XL[i * r + k] * ghat[k * cc + j];
          if (matrix) {
            for (int i = 0; i < r; ++i)
              for (int j = 0; j < cc; ++j)
                for (int k = 0; k < cc; ++k) u[i * cc + j] += tmp[i * cc + k] * blk.XR[k * cc + j];
          } else {
            u = tmp;
          }
          double nu = 0;
          for (double x : u) nu += x * x;
          for (int k = 0; k < n; ++k) P[k] = ngraft / (std::sqrt(nu) + 1e-16) * u[k];
        }
        // 9. momentum
        if (c.momentum > 0)
          for (int k = 0; k < n; ++k) {
            blk.M[k] = c.momentum * blk.M[k] + P[k];
            P[k] = c.nesterov ? P[k] + c.momentum * blk.M[k] : blk.M[k];
          }
      }
      // 1 and 10
      const double decay =
          matrix && c.weight_decay_mode == kdash::WeightDecayMode::decoupled ? 1 - c.lr * c.weight_decay : 1;
      for (int i = 0; i < r; ++i)
        for (int j = 0; j < cc; ++j) {
          double& x = w[blk.param][std::size_t((blk.r0 + i) * blk.ld + blk.c0 + j)];
          x = x * decay - c.lr * P[i * cc + j];
        }
    }
  }

 private:
  struct Block {
    std::size_t param = 0;
    std::int64_t ld = 0, r0 = 0, c0 = 0;
    int r = 0, c = 0, kind = 2;  // 0 AdamW, 1 one-sided, 2 two-sided
    Matrix L, R, XL, XR;
    std::vector<double> A, E, M;
  };
  static Matrix identity(int n) {
    Matrix x(std::size_t(n) * n, 0);
    for (int i = 0; i < n; ++i) x[i * n + i] = 1;
    return x;
  }
  std::vector<ParamSpec> specs_;
  Config cfg_;
  std::vector<Block> blocks_;
  long long t_ = 0;
};

HostParams run_reference(const std::vector<ParamSpec>& specs, const Config& cfg, int steps) {
  ReferenceDash ref(specs, cfg);
  HostParams w = initial_params(specs);
  for (int t = 1; t <= steps; ++t) ref.step(w, make_grads(specs, t));
  return w;
}

// A mixed set: full blocks, both strips and corners, a rank-3 tensor, vectors with a short last segment, a scalar.
std::vector<ParamSpec> mixed_specs() {
  return {{"w1", {6, 5}}, {"w2", {4, 4}}, {"conv", {3, 2, 3}}, {"bias", {7}}, {"gain", {}}, {"col", {5, 1}}};
}

Config small_config() {
  Config c;
  c.block_size = 4;
  c.lr = 0.01;
  c.root_freq = 3;
  return c;
}

// ---------------------------------------------------------------------------------------------------------------

// TypeParam: the execution space of the optimizers under test.
template <class Space>
class CoreStep : public ::testing::Test {};
TYPED_TEST_SUITE(CoreStep, kdash::testing::TestSpaces, kdash::testing::SpaceNames);

// Preconditioning off: every block takes the grafting method's own step. The reference is exact double arithmetic;
// kdash computes each element with O(10) float operations per step (relative error ~10 u, u = 6e-8) and the
// parameters move by lr * |P| <= 0.01 * O(1) per step from values of O(1), so after 10 steps the parameters agree to
// about 10 steps * 0.01 * 10 u ~ 6e-8 relative; 1e-6 leaves a factor > 10 of margin.
TYPED_TEST(CoreStep, FirstOrderStepsMatchTheGraftingMethod) {
  using Space = TypeParam;
  for (auto graft : {kdash::GraftingType::adam, kdash::GraftingType::adagrad, kdash::GraftingType::rmsprop,
                     kdash::GraftingType::sgd}) {
    for (int variant = 0; variant < 2; ++variant) {
      Config c = small_config();
      c.start_prec_step = 1000;
      c.grafting = graft;
      if (variant == 1) {  // momentum without Nesterov, no EMA, no bias correction, L2 weight decay
        c.momentum = 0.5;
        c.nesterov = false;
        c.beta_g = 0;
        c.bias_correction = false;
        c.weight_decay = 0.1;
        c.weight_decay_mode = kdash::WeightDecayMode::l2;
        c.one_dim = kdash::OneDimMode::adamw;
      }
      const auto specs = mixed_specs();
      const double err = max_relative(run_kdash<Space>(specs, c, 10), run_reference(specs, c, 10));
      EXPECT_LT(err, 1e-6) << kdash::to_string(graft) << " variant " << variant;
    }
  }
}

// The full step against the double-precision implementation above. eps_root = 1e-3 keeps every factor's condition
// number below (lambda_max + 2e-3) / 2e-3 ~ 1e3 (lambda_max ~ 1 for these gradients), so a float inverse 4th root
// has relative error ~ u * kappa / 4 ~ 1.5e-5 and the grafted direction, whose norm is fixed by the grafting norm,
// the same; the parameters move by lr * |P| ~ 0.01 per step, so after 12 steps they differ by ~ 12 * 0.01 * 1.5e-5
// ~ 2e-6 of their O(1) size; the 1e-4 bound leaves a factor of 50 for the rounding of the other element-wise steps.
TYPED_TEST(CoreStep, MatchesDoublePrecisionReference) {
  using Space = TypeParam;
  std::vector<Config> configs;
  Config a = small_config();
  a.root.eps = 1e-3;
  configs.push_back(a);  // Adam grafting, EMA, bias correction, one-sided 1-D Shampoo
  Config b = a;
  b.grafting = kdash::GraftingType::adagrad;
  b.momentum = 0.9;
  b.weight_decay = 0.05;
  b.start_prec_step = 5;  // not a multiple of root_freq: roots must be computed at step 5 (reference bug avoided)
  b.root_freq = 4;
  configs.push_back(b);
  Config d = a;
  d.grafting = kdash::GraftingType::rmsprop;
  d.beta_statistics = 1;  // plain sums
  d.beta_g = 0;
  d.momentum = 0.3;
  d.nesterov = false;
  d.one_dim = kdash::OneDimMode::adamw;
  d.weight_decay = 0.02;
  d.weight_decay_mode = kdash::WeightDecayMode::l2;
  configs.push_back(d);
  Config e = a;
  e.grafting = kdash::GraftingType::sgd;
  e.bias_correction = false;
  e.root_freq = 1;
  configs.push_back(e);
  for (auto path : {kdash::backends::GemmPath::vendor, kdash::backends::GemmPath::kokkos_kernels}) {
    Config f = a;  // statistics by full GEMM (vendor) or by the one-triangle kernel for every size (kk)
    f.root.gemm_path = path;
    configs.push_back(f);
  }
  const auto specs = mixed_specs();
  for (std::size_t i = 0; i < configs.size(); ++i) {
    const double err = max_relative(run_kdash<Space>(specs, configs[i], 12), run_reference(specs, configs[i], 12));
    EXPECT_LT(err, 1e-4) << "config " << i;
  }
}

// Blocks larger than one chunk of the element-wise kernels (4096 elements): a 65 x 64 block (4160) and a 5000-long
// AdamW vector, each split over two chunks, whose per-block norms must combine the chunks' partial sums. eps_root =
// 10 dominates the statistics (lambda_max ~ 0.05 * 64 / 3 * 12 steps ~ 13), so kappa <= (13 + 20) / 20 < 2 and the
// float roots are accurate to ~ n u kappa / 4 ~ 2e-6; the parameters are held to 1e-4, as in the test above.
TYPED_TEST(CoreStep, LargeBlocksSpanSeveralChunks) {
  using Space = TypeParam;
  const std::vector<ParamSpec> specs = {{"big", {65, 64}}, {"v", {5000}}};
  for (int variant = 0; variant < 2; ++variant) {
    Config c;
    c.block_size = 5000;
    c.lr = 0.01;
    c.root_freq = 3;
    c.root.eps = 10;
    c.one_dim = kdash::OneDimMode::adamw;
    c.momentum = 0.5;
    if (variant == 1) c.start_prec_step = 1000;  // first-order steps only
    const double err = max_relative(run_kdash<Space>(specs, c, 12), run_reference(specs, c, 12));
    EXPECT_LT(err, 1e-4) << "variant " << variant;
  }
}

TYPED_TEST(CoreStep, RootsAreComputedAtTheFirstPreconditionedStep) {
  using Space = TypeParam;
  Config c = small_config();
  c.start_prec_step = 5;
  c.root_freq = 10;
  const auto specs = mixed_specs();
  kdash::Optimizer<Space> opt(Space(), specs, c);
  Harness<Space> run(specs);
  for (int t = 1; t <= 11; ++t) {
    run.step(opt, make_grads(specs, t));
    EXPECT_EQ(opt.metrics().roots_computed, t == 5 || t == 10) << "step " << t;
  }
}

// Runs `steps` steps in each stacking mode and expects layerwise and sequential within `bound` (max relative) of
// device.
template <class Space>
void expect_stacking_modes_agree(const std::vector<ParamSpec>& specs, Config c, int steps, double bound) {
  c.stacking = kdash::StackingMode::device;
  const HostParams device = run_kdash<Space>(specs, c, steps);
  c.stacking = kdash::StackingMode::layerwise;
  const HostParams layerwise = run_kdash<Space>(specs, c, steps);
  c.stacking = kdash::StackingMode::sequential;
  const HostParams sequential = run_kdash<Space>(specs, c, steps);
  EXPECT_LE(max_relative(layerwise, device), bound);
  EXPECT_LE(max_relative(sequential, device), bound);
  std::printf("stacking modes: layerwise %.3g, sequential %.3g (max relative difference to device)\n",
              max_relative(layerwise, device), max_relative(sequential, device));
}

// The three modes run the same per-block arithmetic: every product and eigendecomposition of a block is the same
// library call with the same arguments whichever stack holds the block (host GEMMs are single-threaded BLAS on row
// panels; blocks below kThreadedLapackMinSize never use threaded LAPACK), so at the reference defaults, eps_root =
// 1e-10 included, the parameters agree to the last bit. The bound is design.md §2's 1e-6 relative; a difference above
// zero but below it would mean the modes no longer share their arithmetic, and is worth a look.
TYPED_TEST(CoreStep, StackingModesAgree) {
  using Space = TypeParam;
  const std::vector<ParamSpec> specs = {{"a", {9, 7}}, {"b", {8, 8}}, {"c", {4, 12}}, {"t", {2, 4, 3}},
                                        {"v", {13}},   {"s", {}},     {"d", {4, 4}}};
  Config c;
  c.block_size = 4;
  c.lr = 0.01;
  c.weight_decay = 0.01;
  c.root_freq = 5;
  expect_stacking_modes_agree<Space>(specs, c, 20, 1e-6);
}

// The same with blocks on the host ?syrk path (statistics, coupled Newton's squarings; backends/batched_syrk.hpp):
// 128-blocks (split into two units), 72-wide strips (one ?syrk) and 1-D segments, in stacks of 1 to 6 blocks
// depending on the mode. The kernel depends on the block's size only, so on the host the modes agree to the bit.
TYPED_TEST(CoreStep, StackingModesAgreeOnTheSymmetricKernelPath) {
  using Space = TypeParam;
  const std::vector<ParamSpec> specs = {{"a", {256, 128}}, {"b", {128, 128}}, {"c", {128, 200}}, {"v", {128}}};
  Config c;
  c.block_size = 128;
  c.root.method = kdash::RootMethod::coupled_newton;
  c.root.scaling = kdash::Scaling::frobenius;
  c.root_freq = 1;
  expect_stacking_modes_agree<Space>(specs, c, 3, kdash::is_host_space_v<Space> ? 0.0 : 1e-6);
}

// root_batch_mb splits a factor stack's root computation into slices (here: one matrix per solver call). Each block
// keeps its random start vectors (first_block), so on the host the result is the same to the last bit; on a GPU the
// vendor GEMM may round a batch of 1 differently from a batch of 8, within the modes' 1e-6.
TYPED_TEST(CoreStep, SlicedRootComputationsAgreeWithOneCallPerStack) {
  using Space = TypeParam;
  const std::vector<ParamSpec> specs = {{"a", {9, 7}}, {"b", {8, 8}}, {"c", {4, 12}}, {"v", {13}}};
  for (kdash::RootMethod solver : {kdash::RootMethod::evd, kdash::RootMethod::coupled_newton}) {
    Config c;
    c.block_size = 4;
    c.lr = 0.01;
    c.root_freq = 3;
    c.root.method = solver;
    c.root_batch_mb = 0;
    const HostParams whole = run_kdash<Space>(specs, c, 10);
    c.root_batch_mb = 1e-6;  // less than one 4 x 4 matrix's working set: slices of one
    const HostParams sliced = run_kdash<Space>(specs, c, 10);
    SCOPED_TRACE(kdash::to_string(solver));
    EXPECT_LE(max_relative(sliced, whole), kdash::is_host_space_v<Space> ? 0.0 : 1e-6);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Non-finite gradients.

TYPED_TEST(CoreStep, NonFiniteBlockIsSkippedAndDoesNotPoisonOthers) {
  using Space = TypeParam;
  const auto specs = mixed_specs();
  Config c = small_config();
  kdash::Optimizer<Space> clean(Space(), specs, c), poisoned(Space(), specs, c);
  Harness<Space> a(specs), b(specs);
  const kdash::BlockMap& map = poisoned.block_map();
  // Block 1 of w1 (rows 0..3, cols 4..4, the right strip): element (2, 4).
  const auto& blk = map.blocks()[map.params()[0].first_block + 1];
  ASSERT_EQ(blk.extent.col0, 4);
  const std::size_t bad = 2 * 5 + 4;
  for (int t = 1; t <= 8; ++t) {
    HostParams g = make_grads(specs, t);
    a.step(clean, g);
    const HostParams before = b.values();
    if (t == 4) g[0][bad] = std::numeric_limits<double>::quiet_NaN();
    if (t == 6) g[0][bad] = std::numeric_limits<double>::infinity();
    b.step(poisoned, g);
    const HostParams after = b.values();
    if (t == 4 || t == 6) {
      // The block's update is skipped: its elements do not move (no weight decay configured).
      for (int i = 0; i < 4; ++i) EXPECT_EQ(after[0][i * 5 + 4], before[0][i * 5 + 4]);
    }
  }
  const HostParams x = a.values(), y = b.values();
  for (std::size_t p = 0; p < specs.size(); ++p)
    for (std::size_t k = 0; k < x[p].size(); ++k) {
      ASSERT_TRUE(std::isfinite(y[p][k]));
      const bool in_block = p == 0 && k % 5 == 4 && k / 5 < 4;
      // Every other block saw identical gradients and is computed independently of its stack neighbours.
      if (!in_block) EXPECT_EQ(x[p][k], y[p][k]) << specs[p].name << " " << k;
    }
  const kdash::Metrics m = poisoned.metrics();
  EXPECT_EQ(m.skipped_block_updates, 2);
  EXPECT_EQ(m.skipped_per_block[map.params()[0].first_block + 1], 2);
  for (const auto& f : m.factors) EXPECT_EQ(f.total_failures, 0);
}

TYPED_TEST(CoreStep, NonFiniteErrorPolicyNamesTheBlock) {
  using Space = TypeParam;
  const auto specs = mixed_specs();
  Config c = small_config();
  c.nonfinite_policy = kdash::NonFinitePolicy::error;
  kdash::Optimizer<Space> opt(Space(), specs, c);
  Harness<Space> run(specs);
  run.step(opt, make_grads(specs, 1));
  HostParams g = make_grads(specs, 2);
  g[3][5] = std::numeric_limits<double>::quiet_NaN();  // bias, segment 1
  const HostParams before = run.values();
  try {
    run.step(opt, g);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'bias'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("block 1"), std::string::npos) << msg;
  }
  EXPECT_EQ(opt.step_count(), 1);
  EXPECT_EQ(max_relative(run.values(), before), 0.0);
}

// A finite gradient so large that the statistics overflow (G G^T of entries 1e20 exceeds float's 3.4e38): every later
// root of that block fails. The previous root is kept and the failure counted, the block stops moving (no NaN reaches
// the parameters), the next attempts escalate, the failing matrices are dumped, and once more than max_failures
// consecutive attempts failed the step throws naming the parameter and block.
TYPED_TEST(CoreStep, FailingRootsKeepThePreviousRootEscalateAndStop) {
  using Space = TypeParam;
  const std::vector<ParamSpec> specs = {{"w", {4, 8}}, {"v", {5}}};
  Config c = small_config();
  c.root_freq = 1;
  c.max_failures = 2;
  const auto dump = std::filesystem::temp_directory_path() /
                    ("kdash_dump_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::remove_all(dump);
  c.dump_dir = dump.string();
  kdash::Optimizer<Space> opt(Space(), specs, c);
  Harness<Space> run(specs);
  for (int t = 1; t <= 2; ++t) run.step(opt, make_grads(specs, t));
  HostParams g = make_grads(specs, 3);
  for (int i = 0; i < 4; ++i) g[0][i * 8 + 5] = 1e20;  // block 1 of w (cols 4..7)
  run.step(opt, g);  // statistics of block 1 overflow; its roots fail at this step (attempt 1)
  kdash::Metrics m = opt.metrics();
  int failing = 0;
  for (const auto& f : m.factors) {
    if (f.param == "w" && f.block == 1) {
      EXPECT_EQ(f.consecutive_failures, 1) << f.side;
      EXPECT_EQ(f.total_failures, 1);
      ++failing;
    } else {
      EXPECT_EQ(f.total_failures, 0) << f.param << " " << f.block << f.side;
    }
  }
  EXPECT_EQ(failing, 2);
  run.step(opt, make_grads(specs, 4));  // attempt 2: escalated (ridge x10), fails again
  for (const auto& v : run.values())
    for (double x : v) ASSERT_TRUE(std::isfinite(x));
  EXPECT_GE(opt.metrics().skipped_block_updates, 1);
  try {
    run.step(opt, make_grads(specs, 5));  // attempt 3 (fp64): more than max_failures = 2
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("block 1"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'w'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("3 consecutive"), std::string::npos) << msg;
  }
  // One dump per failed factor and attempt: L and R at steps 3 and 4, then L at step 5, which stops the run.
  int dumps = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dump)) {
    EXPECT_EQ(entry.path().extension(), ".npy");
    EXPECT_EQ(entry.path().filename().string().rfind("w.block1.", 0), 0u) << entry.path();
    ++dumps;
  }
  EXPECT_EQ(dumps, 5);
  const kdash::io::NpyArray a = kdash::io::read_npy((dump / "w.block1.L.step5.npy").string());
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{1, 4, 4}));
  EXPECT_FALSE(std::all_of(a.data.begin(), a.data.end(), [](double x) { return std::isfinite(x); }));
  std::filesystem::remove_all(dump);
}

// ---------------------------------------------------------------------------------------------------------------
// Bad input.

TYPED_TEST(CoreStep, BadInputGetsAClearMessage) {
  using Space = TypeParam;
  const Config c = small_config();
  expect_error_naming<std::invalid_argument>([&] { kdash::Optimizer<Space>(Space(), {}, c); }, "empty");
  expect_error_naming<std::invalid_argument>(
      [&] {
        kdash::Optimizer<Space>(Space(), {{"w", {2, 2}}, {"w", {3}}}, c);
      },
      "duplicate parameter name 'w'");
  expect_error_naming<std::invalid_argument>([&] { kdash::Optimizer<Space>(Space(), {{"w", {2, 0}}}, c); }, "'w'");
  expect_error_naming<std::invalid_argument>([&] { kdash::Optimizer<Space>(Space(), {{"w", {-2, 3}}}, c); }, "'w'");
  expect_error_naming<std::invalid_argument>([&] { kdash::Optimizer<Space>(Space(), {{"", {2}}}, c); }, "empty name");

  const std::vector<ParamSpec> specs = {{"w", {3, 2}}, {"b", {3}}};
  using Optimizer = kdash::Optimizer<Space>;
  Optimizer opt(Space(), specs, c);
  typename Optimizer::ParamView w("w", 6), b("b", 3), wrong("x", 5);
  typename Optimizer::ParamView gw("gw", 6), gb("gb", 3), gwrong("gx", 4);
  expect_error_naming<std::invalid_argument>(
      [&] {
        opt.step({w, b}, {gw});
      },
      "1 gradient views given for 2 parameters");
  expect_error_naming<std::invalid_argument>(
      [&] {
        opt.step({w}, {gw, gb});
      },
      "1 parameter views given for 2 parameters");
  expect_error_naming<std::invalid_argument>([&] { opt.step({wrong, b}, {gw, gb}); }, "'w'");
  expect_error_naming<std::invalid_argument>([&] { opt.step({w, b}, {gw, gwrong}); }, "gradient of parameter 'b'");
  EXPECT_EQ(opt.step_count(), 0);
  expect_error_naming<std::invalid_argument>([&] { opt.set_lr(std::nan("")); }, "lr");
  opt.step({w, b}, {gw, gb});
  EXPECT_EQ(opt.step_count(), 1);
}

// ---------------------------------------------------------------------------------------------------------------
// Several optimizers in one program.

// The gradients of every step uploaded before the first step, so that a loop of steps enqueues work on the
// optimizers' instances with no copy from the host (which fences) in between.
template <class Space>
struct QueuedRun : Harness<Space> {
  std::vector<std::vector<typename kdash::Optimizer<Space>::GradView>> grads_of_step;

  QueuedRun(const std::vector<ParamSpec>& specs, int steps, unsigned seed) : Harness<Space>(specs) {
    for (int t = 1; t <= steps; ++t) {
      const HostParams g = make_grads(specs, t, seed);
      grads_of_step.emplace_back();
      for (std::size_t i = 0; i < specs.size(); ++i) {
        typename Harness<Space>::ParamView v("grad", count_of(specs[i]));
        Harness<Space>::upload(v, g[i]);
        grads_of_step.back().push_back(v);
      }
    }
  }
  void step(kdash::Optimizer<Space>& opt, int t) { opt.step(this->params, grads_of_step[t - 1]); }
};

// Two instances of `Space`: distinct ones (own streams or thread pools) where Kokkos can partition the space, else two
// handles of the one instance there is (the host spaces of Kokkos 3).
template <class Space>
std::vector<Space> two_instances() {
  return kdash::compat::partition_space(Space(), 2);
}

// Two optimizers on two instances of one space with their steps interleaved, each enqueued on its own instance with
// no fence in between, end bitwise where each ends when run alone. They differ in model, inputs, solver and stacking
// mode, so a workspace, counter or random stream shared between optimizers or instances would show.
TYPED_TEST(CoreStep, OptimizersOnTwoInstancesInterleavedEqualLoneRuns) {
  using Space = TypeParam;
  const int steps = 6;  // roots at steps 1, 3, 6 (a) and 1, 2, 4, 6 (b)
  const std::vector<ParamSpec> specs_a = mixed_specs(), specs_b = {{"w", {9, 7}}, {"v", {13}}};
  const Config config_a = small_config();
  Config config_b = small_config();
  config_b.root.method = kdash::RootMethod::coupled_newton;
  config_b.stacking = kdash::StackingMode::sequential;
  config_b.root_freq = 2;
  config_b.momentum = 0.5;
  auto lone = [&](const std::vector<ParamSpec>& specs, const Config& c, unsigned seed) {
    kdash::Optimizer<Space> opt(Space(), specs, c);
    QueuedRun<Space> run(specs, steps, seed);
    for (int t = 1; t <= steps; ++t) run.step(opt, t);
    return run.values();
  };
  const HostParams alone_a = lone(specs_a, config_a, 1), alone_b = lone(specs_b, config_b, 2);

  const std::vector<Space> instances = two_instances<Space>();
  kdash::Optimizer<Space> a(instances[0], specs_a, config_a), b(instances[1], specs_b, config_b);
  QueuedRun<Space> run_a(specs_a, steps, 1), run_b(specs_b, steps, 2);
  for (int t = 1; t <= steps; ++t) {
    run_a.step(a, t);
    run_b.step(b, t);
  }
  EXPECT_EQ(run_a.values(), alone_a);
  EXPECT_EQ(run_b.values(), alone_b);
}

// Optimizers on the two host spaces in one program, stepped alternately on the same inputs, end bitwise equal. Every
// block below kThreadedLapackMinSize (256) gets the same single-threaded BLAS/LAPACK calls on both spaces
// (host_block_loop.hpp), and per-block sums add per-chunk partial sums in chunk order (step_kernels.hpp), so the thread
// count changes no rounding. A block of 256 or more alone in its stack runs threaded LAPACK on OpenMP and may round
// differently: no such block here. Cases: EVD roots with device stacking, coupled Newton with layerwise stacking,
// and 128-blocks (host ?syrk statistics) beside a vector of several chunks.
TEST(CoreStepHostSpaces, SerialAndOpenMPGiveTheSameParameters) {
#if defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_OPENMP)
  std::vector<std::pair<std::vector<ParamSpec>, Config>> cases;
  cases.push_back({mixed_specs(), small_config()});  // EVD roots, device stacking
  Config cn = small_config();
  cn.root.method = kdash::RootMethod::coupled_newton;
  cn.stacking = kdash::StackingMode::layerwise;
  cn.momentum = 0.5;
  cn.weight_decay = 0.01;
  cases.push_back({mixed_specs(), cn});
  Config large = small_config();  // blocks of several element-wise chunks; 128-blocks on the host ?syrk path
  large.block_size = 128;
  large.root_freq = 2;
  cases.push_back({{{"big", {130, 128}}, {"v", {5000}}}, large});
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& [specs, c] = cases[i];
    kdash::Optimizer<Kokkos::Serial> serial(Kokkos::Serial(), specs, c);
    kdash::Optimizer<Kokkos::OpenMP> openmp(Kokkos::OpenMP(), specs, c);
    Harness<Kokkos::Serial> run_serial(specs);
    Harness<Kokkos::OpenMP> run_openmp(specs);
    for (int t = 1; t <= 8; ++t) {
      const HostParams g = make_grads(specs, t);
      run_serial.step(serial, g);
      run_openmp.step(openmp, g);
    }
    const HostParams x = run_serial.values(), y = run_openmp.values();
    std::printf("case %zu: max relative difference %.3g, bitwise %s\n", i, max_relative(y, x), x == y ? "yes" : "no");
    EXPECT_EQ(x, y) << "case " << i;
  }
#else
  GTEST_SKIP() << "this build has one host execution space";
#endif
}

}  // namespace
