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

template <class ExecSpace>
Optimizer<ExecSpace>::Optimizer(const ExecSpace& exec, std::vector<ParamSpec> specs, Config config,
                                impl::Partition partition)
    : state_(std::make_unique<impl::OptimizerState<ExecSpace>>()) {
  config.validate();
  impl::OptimizerState<ExecSpace>& s = *state_;
  s.exec = exec;
  s.config = std::move(config);
  s.partition = std::move(partition);
  s.comm = std::make_shared<distributed::SingleProcessCommunicator>();  // the distributed constructor replaces it
  if (s.partition.rank < 0) throw std::invalid_argument("kdash::Optimizer: negative rank");
  s.map = BlockMap::build(specs, s.config.block_size, s.config.one_dim, s.config.stacking, s.partition.owners);
  const BlockMap& map = s.map;
  const int rank = s.partition.rank;

  // The block table, in group order.
  const int nblocks = static_cast<int>(map.blocks().size());
  impl::BlockTable<ExecSpace>& t = s.table;
  t.param = Kokkos::View<int*, MemOf<ExecSpace>>("kdash::table::param", nblocks);
  t.start = Kokkos::View<std::int64_t*, MemOf<ExecSpace>>("kdash::table::start", nblocks);
  t.ld = Kokkos::View<std::int64_t*, MemOf<ExecSpace>>("kdash::table::ld", nblocks);
  t.rows = Kokkos::View<int*, MemOf<ExecSpace>>("kdash::table::rows", nblocks);
  t.cols = Kokkos::View<int*, MemOf<ExecSpace>>("kdash::table::cols", nblocks);
  t.kind = Kokkos::View<int*, MemOf<ExecSpace>>("kdash::table::kind", nblocks);
  t.offset = Kokkos::View<std::int64_t*, MemOf<ExecSpace>>("kdash::table::offset", nblocks);
  auto param_h = Kokkos::create_mirror_view(t.param);
  auto start_h = Kokkos::create_mirror_view(t.start);
  auto ld_h = Kokkos::create_mirror_view(t.ld);
  auto rows_h = Kokkos::create_mirror_view(t.rows);
  auto cols_h = Kokkos::create_mirror_view(t.cols);
  auto kind_h = Kokkos::create_mirror_view(t.kind);
  auto offset_h = Kokkos::create_mirror_view(t.offset);
  t.position_of.assign(nblocks, -1);
  s.local_first = s.local_last = -1;
  int pos = 0;
  for (std::size_t g = 0; g < map.groups().size(); ++g) {
    const BlockGroup& grp = map.groups()[g];
    s.group_first.push_back(pos);
    if (grp.owner == rank) s.local_groups.push_back(static_cast<int>(g));
    for (int id : grp.blocks) {
      const BlockInfo& b = map.blocks()[id];
      const ParamLayout& p = map.params()[b.param];
      param_h(pos) = b.param;
      start_h(pos) = b.extent.row0 * p.cols + b.extent.col0;
      ld_h(pos) = p.cols;
      rows_h(pos) = b.extent.rows;
      cols_h(pos) = b.extent.cols;
      kind_h(pos) = static_cast<int>(b.kind);
      offset_h(pos) = static_cast<std::int64_t>(b.direction_offset);
      t.block_of.push_back(id);
      t.position_of[id] = pos;
      if (grp.owner == rank) {
        if (s.local_first < 0) s.local_first = pos;
        s.local_last = pos + 1;
      }
      ++pos;
    }
  }
  if (s.local_first < 0) s.local_first = s.local_last = 0;
  Kokkos::deep_copy(t.param, param_h);
  Kokkos::deep_copy(t.start, start_h);
  Kokkos::deep_copy(t.ld, ld_h);
  Kokkos::deep_copy(t.rows, rows_h);
  Kokkos::deep_copy(t.cols, cols_h);
  Kokkos::deep_copy(t.kind, kind_h);
  Kokkos::deep_copy(t.offset, offset_h);

  const auto range = map.direction_range(rank);
  s.local_base = range.first;
  s.local_size = range.second - range.first;
  bool has_adamw = false, has_shampoo = false;
  std::size_t scratch_size = 0;
  for (int g : s.local_groups) {
    const BlockGroup& grp = map.groups()[g];
    has_adamw = has_adamw || grp.kind == BlockKind::adamw;
    has_shampoo = has_shampoo || grp.kind != BlockKind::adamw;
    if (grp.kind == BlockKind::two_sided) {
      scratch_size = std::max(scratch_size, grp.blocks.size() * std::size_t(grp.rows) * grp.cols);
    }
  }
  const Config& c = s.config;
  s.grad = Kokkos::View<float*, MemOf<ExecSpace>>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kdash::grad"), s.local_size);
  if ((has_shampoo && c.beta_g > 0) || has_adamw) s.ema = Kokkos::View<float*, MemOf<ExecSpace>>("kdash::ema", s.local_size);
  if ((has_shampoo && c.grafting != GraftingType::sgd) || has_adamw) {
    s.graft = Kokkos::View<float*, MemOf<ExecSpace>>("kdash::graft", s.local_size);
  }
  if (has_shampoo && c.mu > 0) s.momentum = Kokkos::View<float*, MemOf<ExecSpace>>("kdash::momentum", s.local_size);
  s.scratch =
      Kokkos::View<float*, MemOf<ExecSpace>>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kdash::scratch"), scratch_size);
  s.directions = Kokkos::View<float*, MemOf<ExecSpace>>("kdash::directions", map.direction_size());
  // Chunks of every block, in table order.
  {
    std::vector<int> pos_of, begin, len;
    s.chunk_first_host.assign(nblocks + 1, 0);
    for (int p = 0; p < nblocks; ++p) {
      s.chunk_first_host[p] = static_cast<int>(pos_of.size());
      const int n = rows_h(p) * cols_h(p);
      for (int k = 0; k < n; k += impl::kChunk) {
        pos_of.push_back(p);
        begin.push_back(k);
        len.push_back(std::min(impl::kChunk, n - k));
      }
    }
    s.chunk_first_host[nblocks] = static_cast<int>(pos_of.size());
    auto upload = [](const std::vector<int>& v, const char* label) {
      Kokkos::View<int*, MemOf<ExecSpace>> d(std::string(label), v.size());
      Kokkos::deep_copy(d, Kokkos::View<const int*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>(v.data(), v.size()));
      return d;
    };
    s.chunk_pos = upload(pos_of, "kdash::chunk::pos");
    s.chunk_begin = upload(begin, "kdash::chunk::begin");
    s.chunk_len = upload(len, "kdash::chunk::len");
    s.chunk_first = upload(s.chunk_first_host, "kdash::chunk::first");
    s.chunk_bad = Kokkos::View<int*, MemOf<ExecSpace>>("kdash::chunk::bad", pos_of.size());
    s.chunk_sum = Kokkos::View<float*, MemOf<ExecSpace>>("kdash::chunk::sum", pos_of.size());
  }
  s.finite = Kokkos::View<int*, MemOf<ExecSpace>>("kdash::finite", nblocks);
  s.block_scale = Kokkos::View<float*, MemOf<ExecSpace>>("kdash::block_scale", nblocks);
  s.graft_norm = Kokkos::View<float*, MemOf<ExecSpace>>("kdash::graft_norm", nblocks);
  s.skipped = Kokkos::View<std::int64_t*, MemOf<ExecSpace>>("kdash::skipped", nblocks);
  s.nonfinite_count = Kokkos::View<int, MemOf<ExecSpace>>("kdash::nonfinite_count");

  s.factors.resize(map.factor_stacks().size());
  for (std::size_t f = 0; f < map.factor_stacks().size(); ++f) {
    const FactorStack& fs = map.factor_stacks()[f];
    if (fs.owner != rank) continue;
    s.local_factors.push_back(static_cast<int>(f));
    impl::FactorState<ExecSpace>& st = s.factors[f];
    const std::size_t count = fs.entries.size();
    st.stats = Stack<float, MemOf<ExecSpace>>("kdash::factor::stats", count, fs.n, fs.n);
    st.root = Stack<float, MemOf<ExecSpace>>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kdash::factor::root"), count, fs.n, fs.n);
    st.scratch =
        Stack<float, MemOf<ExecSpace>>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kdash::factor::scratch"), count, fs.n, fs.n);
    impl::set_identity(s.exec, st.root);
    st.accepted = Kokkos::View<int*, MemOf<ExecSpace>>("kdash::factor::accepted", count);
    st.consecutive_failures.assign(count, 0);
    st.total_failures.assign(count, 0);
    st.last.assign(count, BlockRootResult{});
  }

  // Ask the solver once, on a 1x1 stack, so that an unavailable solver or invalid solver options fail here with a
  // clear message rather than at the first root computation.
  if (!s.local_factors.empty()) {
    Stack<float, MemOf<ExecSpace>> a("kdash::probe::a", 1, 1, 1), x("kdash::probe::x", 1, 1, 1);
    Kokkos::deep_copy(a, 1.0f);
    RootOptions probe = s.config.to_root_options();
    for (double p : {2.0, 4.0}) {
      probe.p = p;
      try {
        inverse_root(s.exec, ConstStack<ExecSpace>(a), x, probe);
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("kdash::Config: solver '" + to_string(s.config.solver) + "': " + e.what());
      }
    }
  }

  const std::size_t nparams = map.params().size();
  s.param_ptrs = Kokkos::View<impl::DevicePointer*, MemOf<ExecSpace>>("kdash::param_ptrs", nparams);
  s.grad_ptrs = Kokkos::View<impl::DevicePointer*, MemOf<ExecSpace>>("kdash::grad_ptrs", nparams);
  s.param_ptrs_host = Kokkos::create_mirror_view(s.param_ptrs);
  s.grad_ptrs_host = Kokkos::create_mirror_view(s.grad_ptrs);
  for (std::size_t i = 0; i < nparams; ++i) s.param_ptrs_host(i).ptr = s.grad_ptrs_host(i).ptr = nullptr;
  s.exec.fence();
}

template <class ExecSpace>
Optimizer<ExecSpace>::~Optimizer() = default;
template <class ExecSpace>
Optimizer<ExecSpace>::Optimizer(Optimizer&&) noexcept = default;
template <class ExecSpace>
Optimizer<ExecSpace>& Optimizer<ExecSpace>::operator=(Optimizer&&) noexcept = default;

template <class ExecSpace>
std::int64_t Optimizer<ExecSpace>::step_count() const { return state_->step; }
template <class ExecSpace>
const Config& Optimizer<ExecSpace>::config() const { return state_->config; }
template <class ExecSpace>
const BlockMap& Optimizer<ExecSpace>::block_map() const { return state_->map; }
template <class ExecSpace>
const ExecSpace& Optimizer<ExecSpace>::execution_space_instance() const { return state_->exec; }

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
      (v.rows() != static_cast<std::size_t>(p.spec.shape[0]) || v.cols() != static_cast<std::size_t>(p.spec.shape[1]))) {
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
    const int b = s.group_first[g], e = b + static_cast<int>(s.map.groups()[g].blocks.size());
    const int lo = std::max(b, first), hi = std::min(e, last);
    if (lo < hi) f(lo, hi);
  }
}

// f(g, group, count) for every group of this rank that takes a preconditioned step (not AdamW), its `count` blocks
// masked by their finite flags in gemm.active so that skipped blocks keep their statistics and directions.
template <class F, class ExecSpace>
void for_each_shampoo_group(const impl::OptimizerState<ExecSpace>& s, backends::GemmOptions<float, ExecSpace>& gemm, F&& f) {
  for (int g : s.local_groups) {
    const BlockGroup& grp = s.map.groups()[g];
    if (grp.kind == BlockKind::adamw) continue;
    const int count = static_cast<int>(grp.blocks.size());
    const int first = s.group_first[g];
    gemm.active = Kokkos::subview(s.finite, Kokkos::make_pair(first, first + count));
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
std::vector<BlockRootResult> roots_in_slices(const ExecSpace& exec, const impl::FactorState<ExecSpace>& st, RootOptions o,
                                             int slice) {
  const int count = static_cast<int>(st.stats.extent(0));
  if (slice >= count) return inverse_root(exec, ConstStack<ExecSpace>(st.stats), st.scratch, o);
  std::vector<BlockRootResult> results;
  results.reserve(count);
  const std::uint64_t first_block = o.first_block;
  for (int first = 0; first < count; first += slice) {
    const int len = std::min(slice, count - first);
    o.first_block = first_block + static_cast<std::uint64_t>(first);
    const auto part =
        inverse_root(exec, ConstStack<ExecSpace>(factor_range(st.stats, first, len)), factor_range(st.scratch, first, len), o);
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
  for (int f : s.local_factors) {
    const FactorStack& fs = s.map.factor_stacks()[f];
    FactorState<ExecSpace>& st = s.factors[f];
    const int count = static_cast<int>(fs.entries.size());
    RootOptions o = c.to_root_options();
    o.p = fs.p;
    o.seed = mix_seed(c.seed, s.root_calls);
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
  ++s.root_calls;
}

}  // namespace impl

template <class ExecSpace>
void Optimizer<ExecSpace>::step(const std::vector<Param>& params, const std::vector<Grad>& grads) {
  const backends::ProfilingRegion region("kdash::Optimizer::step");
  const auto t0 = Clock::now();
  impl::OptimizerState<ExecSpace>& s = *state_;
  const Config& c = s.config;
  const BlockMap& map = s.map;
  const ExecSpace& exec = s.exec;
  check_inputs(map, params, grads);
  // Optional gradient averaging over the ranks (design.md §5): the step then reads the averaged copies.
  std::vector<Grad> averaged;
  if (s.average_gradients) averaged = impl::average_gradients(s, grads);
  const std::vector<Grad>& grad_views = s.average_gradients ? averaged : grads;

  // Pointer tables: uploaded only when the caller passes different Views.
  bool changed = false;
  for (std::size_t i = 0; i < params.size(); ++i) {
    float* gp = const_cast<float*>(grad_views[i].data());
    changed = changed || s.param_ptrs_host(i).ptr != params[i].data() || s.grad_ptrs_host(i).ptr != gp;
    s.param_ptrs_host(i).ptr = params[i].data();
    s.grad_ptrs_host(i).ptr = gp;
  }
  if (changed) {
    Kokkos::deep_copy(exec, s.param_ptrs, s.param_ptrs_host);
    Kokkos::deep_copy(exec, s.grad_ptrs, s.grad_ptrs_host);
  }

  const std::int64_t t = s.step + 1;
  const std::int64_t first_prec = std::max<std::int64_t>(1, c.start_prec_step);
  const bool precondition = t >= first_prec;
  const bool roots_due = precondition && (t == first_prec || t % c.root_freq == 0);
  const int lo = s.local_first, hi = s.local_last;

  // 2. blockify (L2 weight decay folded in), non-finite detection.
  const float l2 = c.weight_decay_mode == WeightDecayMode::l2 ? static_cast<float>(c.weight_decay) : 0.0f;
  const bool error_policy = c.nonfinite_policy == NonFinitePolicy::error;
  if (error_policy) Kokkos::deep_copy(exec, s.nonfinite_count, 0);  // only read under the error policy
  for_each_launch(s, lo, hi, [&](int a, int b) { impl::gather_gradients(exec, s, a, b, l2, !error_policy); });
  if (error_policy) {
    int bad = 0;
    Kokkos::deep_copy(exec, bad, s.nonfinite_count);
    exec.fence();
    if (bad > 0) {
      auto finite_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), s.finite);
      for (int p = lo; p < hi; ++p) {
        if (!finite_h(p)) {
          throw std::runtime_error("kdash::Optimizer::step " + std::to_string(t) + ": non-finite gradient in " +
                                   block_name(map, s.table.block_of[p]) + " (nonfinite_policy = error; " +
                                   std::to_string(bad) + " block(s) affected; the state is unchanged)");
        }
      }
    }
  }
  s.step = t;

  // 3. factor statistics from the raw gradient, one batched symmetric rank-k update per group and side (host BLAS
  // ?syrk for large blocks, else a GEMM: backends/batched_syrk.hpp); skipped blocks masked out.
  const bool sums = c.beta_lr >= 1;
  const float alpha = sums ? 1.0f : static_cast<float>(1 - c.beta_lr);
  const float beta = sums ? 1.0f : static_cast<float>(c.beta_lr);
  backends::GemmOptions<float, ExecSpace> gemm;
  gemm.path = c.gemm_path;
  for_each_shampoo_group(s, gemm, [&](int g, const BlockGroup& grp, int count) {
    const Stack<float, MemOf<ExecSpace>> gs = s.group_stack(s.grad, g);
    const Stack<float, MemOf<ExecSpace>> left = factor_range(s.factors[grp.left_stack].stats, grp.left_first, count);
    const bool two_sided = grp.kind == BlockKind::two_sided;
    // Where the product would take the portable path, a kernel computes one triangle; the vendor path a full GEMM.
    const int n_max = std::max(grp.rows, grp.cols);
    const bool triangle =
        backends::resolve_gemm_path<ExecSpace>(c.gemm_path, n_max, n_max, n_max) == backends::GemmPath::kk;
    if (triangle) {
      impl::symmetric_rank_update(exec, gs, left, alpha, beta, gemm.active, true);
      if (two_sided) {
        impl::symmetric_rank_update(exec, gs, factor_range(s.factors[grp.right_stack].stats, grp.right_first, count),
                                    alpha, beta, gemm.active, false);
      }
      return;
    }
    using backends::Trans;
    backends::batched_syrk(exec, Trans::none, alpha, ConstStack<ExecSpace>(gs), beta, left, gemm);  // L += G G^T
    if (two_sided) {                                                                     // R += G^T G
      backends::batched_syrk(exec, Trans::transpose, alpha, ConstStack<ExecSpace>(gs), beta,
                             factor_range(s.factors[grp.right_stack].stats, grp.right_first, count), gemm);
    }
  });

  // 4, 6, 7 (and 9 for first-order steps): grafting, gradient EMA, grafting direction and its norm.
  const bool bc = c.bias_correction;
  GraftCoefficients shampoo;
  shampoo.type = static_cast<int>(c.grafting);
  shampoo.beta_g = static_cast<float>(c.beta_g);
  shampoo.beta_a = static_cast<float>(c.beta_graft);
  shampoo.eps = static_cast<float>(c.eps_graft);
  shampoo.inv_bias_g = bc && c.beta_g > 0 ? bias(c.beta_g, t) : 1.0f;
  shampoo.inv_bias_a = bc && c.grafting == GraftingType::adam ? bias(c.beta_graft, t) : 1.0f;
  shampoo.write_direction = precondition ? 0 : 1;
  shampoo.mu = static_cast<float>(c.mu);
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
  for_each_launch(s, lo, hi, [&](int a, int b) {
    impl::graft_and_first_order(exec, s, a, b, shampoo, adamw);
    if (!precondition) impl::zero_skipped_directions(exec, s, a, b);
  });

  // 5. inverse roots.
  s.roots_computed = false;
  s.timings.roots_ms = 0;
  if (roots_due) {
    const auto r0 = Clock::now();
    impl::compute_roots(s);
    s.roots_computed = true;
    s.timings.roots_ms = ms_since(r0);
  }

  // 8. Shampoo direction U = Lbar Ghat Rbar (1-D: Lbar Ghat) straight into the direction buffer, then the grafting
  // rescale and momentum (9).
  if (precondition) {
    for_each_shampoo_group(s, gemm, [&](int g, const BlockGroup& grp, int count) {
      const Stack<float, MemOf<ExecSpace>> ghat = s.group_stack(c.beta_g > 0 ? s.ema : s.grad, g);
      const Stack<float, MemOf<ExecSpace>> u = s.group_stack(s.directions, g, true);
      const Stack<float, MemOf<ExecSpace>> lbar = factor_range(s.factors[grp.left_stack].root, grp.left_first, count);
      using backends::Trans;
      if (grp.kind == BlockKind::two_sided) {
        const Stack<float, MemOf<ExecSpace>> tmp(s.scratch.data(), count, grp.rows, grp.cols);
        const Stack<float, MemOf<ExecSpace>> rbar = factor_range(s.factors[grp.right_stack].root, grp.right_first, count);
        backends::batched_gemm(exec, Trans::none, Trans::none, 1.0f, ConstStack<ExecSpace>(lbar), ConstStack<ExecSpace>(ghat), 0.0f, tmp,
                               gemm);
        backends::batched_gemm(exec, Trans::none, Trans::none, 1.0f, ConstStack<ExecSpace>(tmp), ConstStack<ExecSpace>(rbar), 0.0f, u, gemm);
      } else {
        backends::batched_gemm(exec, Trans::none, Trans::none, 1.0f, ConstStack<ExecSpace>(lbar), ConstStack<ExecSpace>(ghat), 0.0f, u, gemm);
      }
    });
    for_each_launch(s, lo, hi, [&](int a, int b) {
      impl::graft_rescale_and_momentum(exec, s, a, b, static_cast<float>(c.mu), c.nesterov);
    });
  }

  // Every rank's directions into the packed buffer, then 1 and 10 for every block.
  if (s.partition.exchange) {
    exec.fence();
    s.partition.exchange(s.directions.data(), s.directions.extent(0), map);
  }
  const float decay =
      c.weight_decay_mode == WeightDecayMode::decoupled ? static_cast<float>(c.lr * c.weight_decay) : 0.0f;
  const int all = static_cast<int>(map.blocks().size());
  for_each_launch(s, 0, all,
                  [&](int a, int b) { impl::apply_directions(exec, s, a, b, static_cast<float>(c.lr), decay); });
  s.timings.total_ms = ms_since(t0);
}

template <class ExecSpace>
Metrics Optimizer<ExecSpace>::metrics() const {
  const impl::OptimizerState<ExecSpace>& s = *state_;
  Metrics m;
  m.step = s.step;
  m.roots_computed = s.roots_computed;
  m.timings = s.timings;
  impl::distribution_metrics(s, m);
  auto skipped_h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), s.skipped);
  m.skipped_per_block.assign(s.map.blocks().size(), 0);
  for (std::size_t p = 0; p < s.table.block_of.size(); ++p) {
    m.skipped_per_block[s.table.block_of[p]] = skipped_h(p);
    m.skipped_block_updates += skipped_h(p);
  }
  for (int f : s.local_factors) {
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
