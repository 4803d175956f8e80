#include "kdash/optimizer.hpp"

#include "kdash/impl/optimizer_state.hpp"
#include "kdash/impl/step_kernels.hpp"

#include <kdash/backends/batched_syrk.hpp>
#include <kdash/backends/profiling_region.hpp>
#include <kdash/backends/scratch_cache.hpp>
#include <kdash/distributed/single_process_communicator.hpp>
#include <kdash/solvers/automatic_method.hpp>
#include <kdash/solvers/inverse_root.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

namespace kdash {

using impl::GraftCoefficients;

namespace {

using Clock = std::chrono::steady_clock;
template <class ExecSpace>
using ConstStack = Stack<const float, MemOf<ExecSpace>>;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

std::string block_name(const BlockMap& map, int block) {
  const BlockInfo& b = map.blocks()[block];
  const ParamLayout& p = map.params()[b.param];
  return "block " + std::to_string(b.index) + " (rows " + std::to_string(b.extent.row0) + ".." +
         std::to_string(b.extent.row0 + b.extent.rows - 1) + ", cols " + std::to_string(b.extent.col0) + ".." +
         std::to_string(b.extent.col0 + b.extent.cols - 1) + ") of parameter '" + p.spec.name + "'";
}

// splitmix64: decorrelates the per-call seeds of the solvers' random start vectors.
std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t counter) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (counter + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

float bias(double beta, std::int64_t t) { return static_cast<float>(1.0 / (1.0 - std::pow(beta, double(t)))); }

}  // namespace

template <class ExecSpace>
Optimizer<ExecSpace>::Optimizer(std::vector<ParamSpec> specs, Config config)
    : Optimizer(ExecSpace(), std::move(specs), std::move(config), impl::Partition{}) {}

template <class ExecSpace>
Optimizer<ExecSpace>::Optimizer(const ExecSpace& exec, std::vector<ParamSpec> specs, Config config)
    : Optimizer(exec, std::move(specs), std::move(config), impl::Partition{}) {}

namespace impl {

// Asks the solver once, on a 1x1 stack, so that an unavailable solver or invalid solver options fail at construction
// with a clear message rather than at the first root computation.
template <class ExecSpace>
void probe_solver(const ExecSpace& exec, const Config& config) {
  Stack<float, MemOf<ExecSpace>> a(Kokkos::view_alloc(exec, std::string("kdash::probe::a")), 1, 1, 1);
  Stack<float, MemOf<ExecSpace>> x(Kokkos::view_alloc(exec, std::string("kdash::probe::x")), 1, 1, 1);
  Kokkos::deep_copy(exec, a, 1.0f);
  RootOptions probe = config.root;
  for (double p : {2.0, 4.0}) {
    probe.p = p;
    try {
      inverse_root(exec, a, x, probe);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("kdash::Config: solver '" + to_string(config.root.method) + "': " + e.what());
    }
  }
}

}  // namespace impl

template <class ExecSpace>
Optimizer<ExecSpace>::Optimizer(const ExecSpace& exec, std::vector<ParamSpec> specs, Config config,
                                impl::Partition partition)
    : state_(std::make_unique<impl::OptimizerState<ExecSpace>>()) {
  config.validate();
  if (partition.rank < 0) throw std::invalid_argument("kdash::Optimizer: negative rank");
  impl::OptimizerState<ExecSpace>& s = *state_;
  s.exec = exec;
  s.config = std::move(config);
  s.partition = std::move(partition);
  s.distribution.comm = std::make_shared<distributed::SingleProcessCommunicator>();  // the distributed constructor
                                                                                     // replaces it
  s.map = BlockMap::build(specs, s.config.block_size, s.config.one_dim, s.config.stacking, s.partition.owners);
  s.layout = impl::make_block_layout(exec, s.map, s.partition.rank);
  s.factors = impl::make_factor_store(exec, s.map, s.layout);
  s.first_order = impl::make_first_order_state(exec, s.config, s.map, s.layout);
  s.work = impl::make_step_workspace(exec, s.map, s.layout);
  s.parameters = impl::ParameterTable<ExecSpace>(exec, s.map.params().size());
  if (!s.layout.local_factors.empty()) impl::probe_solver(exec, s.config);
  exec.fence();
}

template <class ExecSpace>
Optimizer<ExecSpace>::~Optimizer() = default;
template <class ExecSpace>
Optimizer<ExecSpace>::Optimizer(Optimizer&&) noexcept = default;
template <class ExecSpace>
Optimizer<ExecSpace>& Optimizer<ExecSpace>::operator=(Optimizer&&) noexcept = default;

template <class ExecSpace>
std::int64_t Optimizer<ExecSpace>::step_count() const {
  return state_->counters.step;
}
template <class ExecSpace>
const Config& Optimizer<ExecSpace>::config() const {
  return state_->config;
}
template <class ExecSpace>
const BlockMap& Optimizer<ExecSpace>::block_map() const {
  return state_->map;
}
template <class ExecSpace>
const ExecSpace& Optimizer<ExecSpace>::execution_space_instance() const {
  return state_->exec;
}

template <class ExecSpace>
void Optimizer<ExecSpace>::set_lr(double lr) {
  Config c = state_->config;
  c.lr = lr;
  c.validate();
  state_->config.lr = lr;
}

namespace {

// Checks one parameter's (or gradient's) View against its spec: contiguous, numel values, and for a rank-2 View the
// parameter's matrix shape (rows x columns of a rank-2 spec; a vector parameter takes a 1 x numel or numel x 1 View).
template <class T, class M>
void check_view(const ParamLayout& p, const ParamRef<T, M>& v, const char* what) {
  const auto want = static_cast<std::size_t>(p.numel);
  const std::string name = std::string("kdash::Optimizer::step: ") + what + describe(p.spec);
  if (v.data() == nullptr) throw std::invalid_argument(name + ": the View is empty (no data)");
  if (!v.contiguous()) {
    throw std::invalid_argument(name + ": the View is not contiguous; pass a contiguous View (kdash does not copy)");
  }
  if (v.size() != want) {
    throw std::invalid_argument(name + " needs " + std::to_string(want) + " elements, its view has " +
                                std::to_string(v.size()));
  }
  if (v.rank() == 2 && p.spec.shape.size() == 2 &&
      (v.rows() != static_cast<std::size_t>(p.spec.shape[0]) ||
       v.cols() != static_cast<std::size_t>(p.spec.shape[1]))) {
    throw std::invalid_argument(name + ": its rank-2 View is " + std::to_string(v.rows()) + "x" +
                                std::to_string(v.cols()) + ", the parameter's matrix is " +
                                std::to_string(p.spec.shape[0]) + "x" + std::to_string(p.spec.shape[1]));
  }
}

template <class P, class G>
void check_inputs(const BlockMap& map, const std::vector<P>& params, const std::vector<G>& grads) {
  const std::size_t n = map.params().size();
  if (params.size() != n) {
    throw std::invalid_argument("kdash::Optimizer::step: " + std::to_string(params.size()) +
                                " parameter views given for " + std::to_string(n) + " parameters");
  }
  if (grads.size() != n) {
    throw std::invalid_argument("kdash::Optimizer::step: " + std::to_string(grads.size()) +
                                " gradient views given for " + std::to_string(n) + " parameters");
  }
  for (std::size_t i = 0; i < n; ++i) {
    check_view(map.params()[i], params[i], "parameter ");
    check_view(map.params()[i], grads[i], "gradient of parameter ");
  }
}

// The stacked/sequential launch ranges of the element-wise kernels over this rank's table positions.
template <class F, class ExecSpace>
void for_each_launch(const impl::OptimizerState<ExecSpace>& s, int first, int last, F&& f) {
  if (s.config.stacking == StackingMode::device) {
    f(first, last);
    return;
  }
  // layerwise: one launch per group (a parameter's blocks of one shape); sequential: groups are single blocks.
  for (std::size_t g = 0; g < s.map.groups().size(); ++g) {
    const int b = s.layout.group_first[g], e = b + static_cast<int>(s.map.groups()[g].blocks.size());
    const int lo = std::max(b, first), hi = std::min(e, last);
    if (lo < hi) f(lo, hi);
  }
}

// f(g, group, count) for every group of this rank that takes a preconditioned step (not AdamW), its `count` blocks
// masked by their finite flags in gemm.active so that skipped blocks keep their statistics and directions.
template <class F, class ExecSpace>
void for_each_shampoo_group(const impl::OptimizerState<ExecSpace>& s, backends::GemmOptions<float, ExecSpace>& gemm,
                            F&& f) {
  for (int g : s.layout.local_groups) {
    const BlockGroup& grp = s.map.groups()[g];
    if (grp.kind == BlockKind::adamw) continue;
    const int count = static_cast<int>(grp.blocks.size());
    const int first = s.layout.group_first[g];
    gemm.active = Kokkos::subview(s.work.finite, Kokkos::make_pair(first, first + count));
    f(g, grp, count);
  }
}

template <class StackT>
StackT factor_range(const StackT& stack, int first, int count) {
  return Kokkos::subview(stack, Kokkos::make_pair(first, first + count), Kokkos::ALL, Kokkos::ALL);
}

// The options of an escalated attempt (design.md §4): larger ridge x10, then fp64, then EVD.
RootOptions escalated(RootOptions o, int level) {
  if (level >= 1) o.eps = o.eps > 0 ? o.eps * 10 : 1e-10;
  if (level >= 2) o.precision = Precision::fp64;
  if (level >= 3) o.method = RootMethod::evd;
  return o;
}

// A root is kept when the solver says it is usable (solvers::root_is_usable): converged, or a not_converged CN/NDB
// iterate whose residual is below RootOptions::usable_residual (kept, and counted in the metrics). Anything else,
// and any non-finite entry (checked separately), takes the failure path: previous root kept, dump, escalation.
template <class ExecSpace>
bool root_failed(const BlockRootResult& r, const RootOptions& o, int n) {
  const RootMethod method = solvers::resolve_automatic(o, n, is_host_space_v<ExecSpace>).method;
  return !root_is_usable(r, method, o);
}

// Recomputes the roots of the entries `which` of one factor stack with escalated options into `scratch`.
template <class ExecSpace>
void recompute_some(const ExecSpace& exec, const impl::FactorState<ExecSpace>& st, const std::vector<int>& which,
                    const RootOptions& options, std::vector<BlockRootResult>& results) {
  const int n = static_cast<int>(st.stats.extent(1));
  const int k = static_cast<int>(which.size());
  Kokkos::View<int*, MemOf<ExecSpace>> index("kdash::escalate::index", k);
  auto index_h = Kokkos::create_mirror_view(index);
  for (int i = 0; i < k; ++i) index_h(i) = which[i];
  Kokkos::deep_copy(index, index_h);
  std::vector<BlockRootResult> sub;
  if (options.precision == Precision::fp64) {
    Stack<double, MemOf<ExecSpace>> a("kdash::escalate::a64", k, n, n), x("kdash::escalate::x64", k, n, n);
    impl::copy_matrices<float, double>(exec, st.stats, a, index, false);
    sub = inverse_root(exec, Stack<const double, MemOf<ExecSpace>>(a), x, options);
    impl::copy_matrices<double, float>(exec, x, st.scratch, index, true);
  } else {
    Stack<float, MemOf<ExecSpace>> a("kdash::escalate::a", k, n, n), x("kdash::escalate::x", k, n, n);
    impl::copy_matrices<float, float>(exec, st.stats, a, index, false);
    sub = inverse_root(exec, ConstStack<ExecSpace>(a), x, options);
    impl::copy_matrices<float, float>(exec, x, st.scratch, index, true);
  }
  for (int i = 0; i < k; ++i) results[which[i]] = sub[i];
}

// The same, `slice` entries per solver call (root_batch_mb bounds the escalated attempts too: fp64 has the largest
// working set).
template <class ExecSpace>
void recompute(const ExecSpace& exec, const impl::FactorState<ExecSpace>& st, const std::vector<int>& which,
               const RootOptions& options, int slice, std::vector<BlockRootResult>& results) {
  for (std::size_t first = 0; first < which.size(); first += static_cast<std::size_t>(slice)) {
    const std::size_t last = std::min(which.size(), first + static_cast<std::size_t>(slice));
    recompute_some(exec, st, std::vector<int>(which.begin() + first, which.begin() + last), options, results);
  }
}

// The solvers' temporaries, in stacks the size of their input: coupled Newton holds the most (ridged input, two M
// and two X iterates, three products, 16-bit input copies).
constexpr double kSolverTemporaries = 10;

// Matrices per solver call so that one call's working set stays within root_batch_mb (0: no limit).
int root_slice(const Config& c, int n, int count, Precision precision) {
  if (c.root_batch_mb <= 0 || count <= 1) return std::max(count, 1);
  const double element = precision == Precision::fp64 ? sizeof(double) + sizeof(float) : sizeof(float);
  const double per_matrix = kSolverTemporaries * element * double(n) * double(n);
  const double fit = c.root_batch_mb * 1024.0 * 1024.0 / per_matrix;
  return fit >= count ? count : std::max(1, static_cast<int>(fit));
}

// The roots of every entry of a factor stack into its scratch, `slice` entries per solver call. first_block keeps
// each block's random start vectors what they are in one call, so slicing changes no result on the host.
template <class ExecSpace>
std::vector<BlockRootResult> roots_in_slices(const ExecSpace& exec, const impl::FactorState<ExecSpace>& st,
                                             RootOptions o, int slice) {
  const int count = static_cast<int>(st.stats.extent(0));
  if (slice >= count) return inverse_root(exec, ConstStack<ExecSpace>(st.stats), st.scratch, o);
  std::vector<BlockRootResult> results;
  results.reserve(count);
  const std::uint64_t first_block = o.first_block;
  for (int first = 0; first < count; first += slice) {
    const int len = std::min(slice, count - first);
    o.first_block = first_block + static_cast<std::uint64_t>(first);
    const auto part = inverse_root(exec, ConstStack<ExecSpace>(factor_range(st.stats, first, len)),
                                   factor_range(st.scratch, first, len), o);
    results.insert(results.end(), part.begin(), part.end());
  }
  return results;
}

}  // namespace

namespace impl {

// Distribution hooks (optimizer_distributed.cpp).
template <class ExecSpace>
std::vector<ParamRef<const float, MemOf<ExecSpace>>> average_gradients(
    OptimizerState<ExecSpace>& s, const std::vector<ParamRef<const float, MemOf<ExecSpace>>>& grads);
template <class ExecSpace>
void distribution_metrics(const OptimizerState<ExecSpace>& s, Metrics& m);

// Dumps factor statistics of failing blocks (defined with the .npy support; no-op without dump_dir).
template <class ExecSpace>
void dump_failing_factor(const OptimizerState<ExecSpace>& s, int stack, int entry, const std::string& why);

// design.md §1 step 5 with the failure handling of design.md §4, for every factor stack of this rank.
template <class ExecSpace>
void compute_roots(impl::OptimizerState<ExecSpace>& s) {
  const Config& c = s.config;
  const ExecSpace& exec = s.exec;
  for (int f : s.layout.local_factors) {
    const FactorStack& fs = s.map.factor_stacks()[f];
    FactorState<ExecSpace>& st = s.factors[f];
    const int count = static_cast<int>(fs.entries.size());
    RootOptions o = c.root;
    o.p = fs.p;
    o.seed = mix_seed(c.root.seed, s.counters.root_calls);
    std::vector<BlockRootResult> results = roots_in_slices(exec, st, o, root_slice(c, fs.n, count, o.precision));

    // Entries that failed last time get an escalated attempt, level by level.
    for (int level = 1; level <= 3; ++level) {
      std::vector<int> which;
      for (int e = 0; e < count; ++e)
        if (std::min(st.consecutive_failures[e], 3) == level) which.push_back(e);
      if (!which.empty()) {
        const RootOptions e = escalated(o, level);
        recompute(exec, st, which, e, root_slice(c, fs.n, static_cast<int>(which.size()), e.precision), results);
      }
    }

    const Kokkos::View<int*, MemOf<ExecSpace>>& ok = st.accepted;
    finite_matrices(exec, st.scratch, ok);
    auto ok_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), ok);
    bool all_ok = true;
    for (int e = 0; e < count; ++e) {
      const RootOptions used = escalated(o, std::min(st.consecutive_failures[e], 3));
      const bool failed = root_failed<ExecSpace>(results[e], used, fs.n) || !ok_h(e);
      st.last[e] = results[e];
      if (failed) {
        if (st.last[e].status == RootStatus::converged) st.last[e].status = RootStatus::non_finite;
        ok_h(e) = 0;
        all_ok = false;
        ++st.total_failures[e];
        ++st.consecutive_failures[e];
        const FactorStack::Entry& entry = fs.entries[e];
        std::string why = to_string(results[e].status);
        if (results[e].status == RootStatus::not_converged && used.method != RootMethod::evd) {
          std::ostringstream detail;
          detail << " with residual " << results[e].residual << " (usable below " << used.usable_residual << ")";
          why += detail.str();
        }
        dump_failing_factor(s, f, e, why);
        if (st.consecutive_failures[e] > c.max_failures) {
          throw std::runtime_error(
              "kdash: the inverse root of factor " + std::string(1, entry.side) + " of " +
              block_name(s.map, entry.block) + " failed " + std::to_string(st.consecutive_failures[e]) +
              " consecutive times (max_failures = " + std::to_string(c.max_failures) + "; last status: " + why + ")");
        }
      } else {
        st.consecutive_failures[e] = 0;
      }
    }
    if (all_ok) {
      std::swap(st.root, st.scratch);  // accept every new root without a copy
    } else {
      Kokkos::deep_copy(ok, ok_h);
      masked_copy(exec, st.scratch, st.root, ok);  // failed entries keep their previous root
    }
  }
  // The solvers' cached temporaries (up to root_batch_mb, per precision) are not kept between root steps.
  backends::release_scratch();
  ++s.counters.root_calls;
}

}  // namespace impl

namespace impl {

// design.md §1 step 2: the rank's blocks of the gradient into the workspace (L2 weight decay folded in), each block's
// finite flag; under nonfinite_policy = error a non-finite block throws before any state changes.
template <class ExecSpace>
void blockify_gradients(OptimizerState<ExecSpace>& s, std::int64_t t) {
  const Config& c = s.config;
  const ExecSpace& exec = s.exec;
  const int lo = s.layout.local_first, hi = s.layout.local_last;
  const float l2 = c.weight_decay_mode == WeightDecayMode::l2 ? static_cast<float>(c.weight_decay) : 0.0f;
  const bool error_policy = c.nonfinite_policy == NonFinitePolicy::error;
  if (error_policy) Kokkos::deep_copy(exec, s.work.nonfinite_count, 0);  // only read under the error policy
  for_each_launch(s, lo, hi, [&](int a, int b) {
    gather_gradients(exec, s.layout, s.parameters, s.work, s.first_order, a, b, l2, !error_policy);
  });
  if (!error_policy) return;
  int bad = 0;
  Kokkos::deep_copy(exec, bad, s.work.nonfinite_count);
  exec.fence();
  if (bad == 0) return;
  auto finite_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), s.work.finite);
  for (int p = lo; p < hi; ++p) {
    if (!finite_h(p)) {
      throw std::runtime_error("kdash::Optimizer::step " + std::to_string(t) + ": non-finite gradient in " +
                               block_name(s.map, s.layout.table.block_of[p]) + " (nonfinite_policy = error; " +
                               std::to_string(bad) + " block(s) affected; the state is unchanged)");
    }
  }
}

// design.md §1 step 3: factor statistics from the raw gradient, one batched symmetric rank-k update per group and
// side (host BLAS ?syrk for large blocks, else a GEMM: backends/batched_syrk.hpp); skipped blocks masked out.
template <class ExecSpace>
void update_factor_statistics(OptimizerState<ExecSpace>& s, backends::GemmOptions<float, ExecSpace>& gemm) {
  const Config& c = s.config;
  const ExecSpace& exec = s.exec;
  const bool sums = c.beta_statistics >= 1;
  const float alpha = sums ? 1.0f : static_cast<float>(1 - c.beta_statistics);
  const float beta = sums ? 1.0f : static_cast<float>(c.beta_statistics);
  for_each_shampoo_group(s, gemm, [&](int g, const BlockGroup& grp, int count) {
    const Stack<float, MemOf<ExecSpace>> gs = s.layout.group_stack(s.map, s.work.grad, g);
    const auto left = factor_range(s.factors[grp.left_stack].stats, grp.left_first, count);
    const bool two_sided = grp.kind == BlockKind::two_sided;
    // Where the product would take the portable path, a kernel computes one triangle; the vendor path a full GEMM.
    const int n_max = std::max(grp.rows, grp.cols);
    if (backends::resolve_gemm_path<ExecSpace>(c.root.gemm_path, n_max, n_max, n_max) ==
        backends::GemmPath::kokkos_kernels) {
      symmetric_rank_update(exec, gs, left, alpha, beta, gemm.active, true);
      if (two_sided) {
        symmetric_rank_update(exec, gs, factor_range(s.factors[grp.right_stack].stats, grp.right_first, count), alpha,
                              beta, gemm.active, false);
      }
      return;
    }
    using backends::Trans;
    backends::batched_syrk(exec, Trans::none, alpha, ConstStack<ExecSpace>(gs), beta, left, gemm);  // L += G G^T
    if (two_sided) {                                                                                // R += G^T G
      backends::batched_syrk(exec, Trans::transpose, alpha, ConstStack<ExecSpace>(gs), beta,
                             factor_range(s.factors[grp.right_stack].stats, grp.right_first, count), gemm);
    }
  });
}

// design.md §1 steps 4, 6, 7 (and 9 for first-order steps): grafting, gradient EMA, grafting direction and its norm.
template <class ExecSpace>
void graft_step(OptimizerState<ExecSpace>& s, std::int64_t t, bool precondition) {
  const Config& c = s.config;
  const bool bc = c.bias_correction;
  GraftCoefficients shampoo;
  shampoo.type = static_cast<int>(c.grafting);
  shampoo.beta_g = static_cast<float>(c.beta_g);
  shampoo.beta_a = static_cast<float>(c.beta_graft);
  shampoo.eps = static_cast<float>(c.eps_graft);
  shampoo.inv_bias_g = bc && c.beta_g > 0 ? bias(c.beta_g, t) : 1.0f;
  shampoo.inv_bias_a = bc && c.grafting == GraftingType::adam ? bias(c.beta_graft, t) : 1.0f;
  shampoo.write_direction = precondition ? 0 : 1;
  shampoo.momentum = static_cast<float>(c.momentum);
  shampoo.nesterov = c.nesterov ? 1 : 0;
  // 1-D AdamW (design.md §1): beta1 0.9, beta2 0.95, eps 1e-8, no momentum on top, no weight decay.
  GraftCoefficients adamw;
  adamw.type = static_cast<int>(GraftingType::adam);
  adamw.beta_g = 0.9f;
  adamw.beta_a = 0.95f;
  adamw.eps = 1e-8f;
  adamw.inv_bias_g = bc ? bias(0.9, t) : 1.0f;
  adamw.inv_bias_a = bc ? bias(0.95, t) : 1.0f;
  adamw.write_direction = 1;
  for_each_launch(s, s.layout.local_first, s.layout.local_last, [&](int a, int b) {
    graft_and_first_order(s.exec, s.layout, s.work, s.first_order, a, b, shampoo, adamw);
    if (!precondition) zero_skipped_directions(s.exec, s.layout, s.work, a, b);
  });
}

// design.md §1 steps 8-9: the Shampoo direction U = Lbar Ghat Rbar (1-D: Lbar Ghat) straight into the direction
// buffer, then the grafting rescale and momentum.
template <class ExecSpace>
void precondition_directions(OptimizerState<ExecSpace>& s, backends::GemmOptions<float, ExecSpace>& gemm) {
  const Config& c = s.config;
  const ExecSpace& exec = s.exec;
  using backends::Trans;
  for_each_shampoo_group(s, gemm, [&](int g, const BlockGroup& grp, int count) {
    const auto ghat =
        ConstStack<ExecSpace>(s.layout.group_stack(s.map, c.beta_g > 0 ? s.first_order.ema : s.work.grad, g));
    const Stack<float, MemOf<ExecSpace>> u = s.layout.group_stack(s.map, s.work.directions, g, true);
    const auto lbar = ConstStack<ExecSpace>(factor_range(s.factors[grp.left_stack].root, grp.left_first, count));
    if (grp.kind == BlockKind::two_sided) {
      const Stack<float, MemOf<ExecSpace>> tmp(s.work.scratch.data(), count, grp.rows, grp.cols);
      const auto rbar = ConstStack<ExecSpace>(factor_range(s.factors[grp.right_stack].root, grp.right_first, count));
      backends::batched_gemm(exec, Trans::none, Trans::none, 1.0f, lbar, ghat, 0.0f, tmp, gemm);
      backends::batched_gemm(exec, Trans::none, Trans::none, 1.0f, ConstStack<ExecSpace>(tmp), rbar, 0.0f, u, gemm);
    } else {
      backends::batched_gemm(exec, Trans::none, Trans::none, 1.0f, lbar, ghat, 0.0f, u, gemm);
    }
  });
  for_each_launch(s, s.layout.local_first, s.layout.local_last, [&](int a, int b) {
    graft_rescale_and_momentum(exec, s.layout, s.work, s.first_order, a, b, static_cast<float>(c.momentum), c.nesterov);
  });
}

// Every rank's directions into the packed buffer (design.md §5), then design.md §1 steps 1 and 10 for every block.
template <class ExecSpace>
void apply_update(OptimizerState<ExecSpace>& s) {
  const Config& c = s.config;
  if (s.partition.exchange) {
    s.exec.fence();
    s.partition.exchange(s.work.directions.data(), s.work.directions.extent(0), s.map);
  }
  const float decay =
      c.weight_decay_mode == WeightDecayMode::decoupled ? static_cast<float>(c.lr * c.weight_decay) : 0.0f;
  const int all = static_cast<int>(s.map.blocks().size());
  for_each_launch(s, 0, all, [&](int a, int b) {
    apply_directions(s.exec, s.layout, s.parameters, s.work, a, b, static_cast<float>(c.lr), decay);
  });
}

}  // namespace impl

template <class ExecSpace>
void Optimizer<ExecSpace>::step(const std::vector<Param>& params, const std::vector<Grad>& grads) {
  const backends::ProfilingRegion region("kdash::Optimizer::step");
  const auto t0 = Clock::now();
  impl::OptimizerState<ExecSpace>& s = *state_;
  const Config& c = s.config;
  check_inputs(s.map, params, grads);
  // Optional gradient averaging over the ranks (design.md §5): the step then reads the averaged copies.
  s.parameters.update(s.exec, params, s.distribution.average_gradients ? impl::average_gradients(s, grads) : grads);

  const std::int64_t t = s.counters.step + 1;
  const std::int64_t first_prec = std::max<std::int64_t>(1, c.start_prec_step);
  const bool precondition = t >= first_prec;
  const bool roots_due = precondition && (t == first_prec || t % c.root_freq == 0);
  // Each named step is a Kokkos Tools region (kdash::step::<name>), so a region timer shows where a step's time goes.
  using Region = backends::ProfilingRegion;
  {
    const Region r("kdash::step::blockify_gradients");
    impl::blockify_gradients(s, t);
  }
  s.counters.step = t;
  backends::GemmOptions<float, ExecSpace> gemm;
  gemm.path = c.root.gemm_path;
  gemm.device_symmetric = c.root.device_symmetric;
  {
    const Region r("kdash::step::update_factor_statistics");
    impl::update_factor_statistics(s, gemm);
  }
  {
    const Region r("kdash::step::graft_step");
    impl::graft_step(s, t, precondition);
  }
  s.counters.roots_computed = false;
  s.counters.timings.roots_ms = 0;
  if (roots_due) {
    const Region r("kdash::step::compute_roots");
    const auto r0 = Clock::now();
    impl::compute_roots(s);
    s.counters.roots_computed = true;
    s.counters.timings.roots_ms = ms_since(r0);
  }
  if (precondition) {
    const Region r("kdash::step::precondition_directions");
    impl::precondition_directions(s, gemm);
  }
  {
    const Region r("kdash::step::apply_update");
    impl::apply_update(s);
  }
  s.counters.timings.total_ms = ms_since(t0);
}

template <class ExecSpace>
Metrics Optimizer<ExecSpace>::metrics() const {
  const impl::OptimizerState<ExecSpace>& s = *state_;
  Metrics m;
  m.step = s.counters.step;
  m.roots_computed = s.counters.roots_computed;
  m.timings = s.counters.timings;
  impl::distribution_metrics(s, m);
  auto skipped_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), s.first_order.skipped);
  m.skipped_per_block.assign(s.map.blocks().size(), 0);
  for (std::size_t p = 0; p < s.layout.table.block_of.size(); ++p) {
    m.skipped_per_block[s.layout.table.block_of[p]] = skipped_h(p);
    m.skipped_block_updates += skipped_h(p);
  }
  for (int f : s.layout.local_factors) {
    const FactorStack& fs = s.map.factor_stacks()[f];
    const impl::FactorState<ExecSpace>& st = s.factors[f];
    for (std::size_t e = 0; e < fs.entries.size(); ++e) {
      const BlockInfo& b = s.map.blocks()[fs.entries[e].block];
      FactorMetrics fm;
      fm.param = s.map.params()[b.param].spec.name;
      fm.block = b.index;
      fm.side = fs.entries[e].side;
      fm.n = fs.n;
      fm.iterations = st.last[e].iterations;
      fm.residual = st.last[e].residual;
      fm.lambda_max = st.last[e].lambda_max;
      fm.status = st.last[e].status;
      fm.condition = st.last[e].condition;
      fm.ill_conditioned = st.last[e].ill_conditioned;
      fm.consecutive_failures = st.consecutive_failures[e];
      fm.total_failures = st.total_failures[e];
      m.root_failures += st.total_failures[e];
      m.roots_not_converged_accepted +=
          st.last[e].status == RootStatus::not_converged && st.consecutive_failures[e] == 0;
      m.roots_ill_conditioned += st.last[e].ill_conditioned;
      m.factors.push_back(fm);
    }
  }
  std::sort(m.factors.begin(), m.factors.end(), [](const FactorMetrics& a, const FactorMetrics& b) {
    return std::tie(a.param, a.block, a.side) < std::tie(b.param, b.block, b.side);
  });
  return m;
}

// Every member defined here, for every execution space of the build (checkpoint.cpp and optimizer_distributed.cpp
// instantiate the members they define).
#define KDASH_INSTANTIATE_OPTIMIZER(SPACE) template class Optimizer<SPACE>;
KDASH_FOR_EACH_EXECUTION_SPACE(KDASH_INSTANTIATE_OPTIMIZER)
#undef KDASH_INSTANTIATE_OPTIMIZER

}  // namespace kdash
