#include "kdash/replay.hpp"

#include "kdash/impl/optimizer_state.hpp"
#include "kdash/io/npy.hpp"
#include "kdash/io/output_set.hpp"
#include "kdash/optimizer.hpp"

#include <kdash/backends/kokkos_compat.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>

namespace kdash {
namespace {

namespace fs = std::filesystem;

io::NpyArray read_input(const fs::path& path) {
  try {
    return io::read_npy(path.string());
  } catch (const std::runtime_error& e) {
    throw std::invalid_argument(e.what());  // a bad input file is a usage error of the tool
  }
}

// An initial parameter must be finite: a NaN or Inf there is an input error, not something the optimizer repairs.
void require_finite(const fs::path& path, const io::NpyArray& a) {
  std::size_t bad = 0, first = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!std::isfinite(a.data[i]) && bad++ == 0) first = i;
  if (bad > 0) {
    throw std::invalid_argument(path.string() + ": " + std::to_string(bad) + " non-finite value(s) (NaN or Inf; " +
                                "the first at flat index " + std::to_string(first) + ")");
  }
}

// The number of NaN/Inf entries of a parameter.
std::size_t count_nonfinite(const ParamView& v) {
  std::size_t bad = 0;
  Kokkos::parallel_reduce(
      "kdash::replay::count_nonfinite", Kokkos::RangePolicy<DefaultExecSpace>(0, v.extent(0)),
      KOKKOS_LAMBDA(const std::size_t k, std::size_t& sum) { sum += compat::isfinite(v(k)) ? 0 : 1; }, bad);
  return bad;
}

// The output directory, created when missing, and the temporaries of every output reserved in it: an unwritable
// destination is found before the first step. If the run fails, the directory is removed again if this created it
// and it is still empty.
class ReplayOutputs {
 public:
  ReplayOutputs(const std::string& dir, const std::vector<std::string>& names, bool trace) : dir_(dir) {
    set_.emplace();
    std::error_code ec;
    if (!fs::exists(dir, ec)) {
      fs::create_directories(dir, ec);
      created_ = !ec;
    }
    if (!fs::is_directory(dir, ec)) {
      throw std::runtime_error("cannot create the output directory '" + dir + "'" +
                               (ec ? ": " + ec.message() : std::string()));
    }
    for (const auto& name : names) {
      set_->reserve(path(name, ".npy"));
      if (trace) set_->reserve(path(name, ".trace.npy"));
    }
  }
  ~ReplayOutputs() {
    set_.reset();  // removes the temporaries of an uncommitted set
    if (committed_ || !created_) return;
    std::error_code ec;
    fs::remove(dir_, ec);  // only if empty
  }
  std::string path(const std::string& name, const char* suffix) const {
    return (fs::path(dir_) / (name + suffix)).string();
  }
  io::OutputSet& set() { return *set_; }
  void commit() {
    set_->commit();
    committed_ = true;
  }

 private:
  std::string dir_;
  bool created_ = false, committed_ = false;
  std::optional<io::OutputSet> set_;
};

std::string shape_text(const std::vector<std::size_t>& s) {
  std::string out = "(";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}

// The names of the .npy files of a directory, sorted.
std::vector<std::string> npy_names(const std::string& dir, const char* what) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw std::invalid_argument(std::string(what) + " directory '" + dir + "' does not exist");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".npy" && entry.is_regular_file()) names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

ReplayResult replay(const ReplayOptions& o) {
  o.config.validate();
  const std::vector<std::string> names = npy_names(o.params_dir, "parameter");
  if (names.empty()) throw std::invalid_argument("no .npy files in the parameter directory '" + o.params_dir + "'");
  const std::vector<std::string> grad_names = npy_names(o.grads_dir, "gradient");
  for (const auto& g : grad_names) {
    if (!std::binary_search(names.begin(), names.end(), g)) {
      throw std::invalid_argument("gradient file '" + (fs::path(o.grads_dir) / (g + ".npy")).string() +
                                  "' has no parameter file in '" + o.params_dir + "'");
    }
  }

  std::vector<ParamSpec> specs;
  std::vector<io::NpyArray> initial, grads;
  std::int64_t steps = -1;
  for (const auto& name : names) {
    const fs::path pfile = fs::path(o.params_dir) / (name + ".npy");
    const fs::path gfile = fs::path(o.grads_dir) / (name + ".npy");
    if (!fs::exists(gfile)) throw std::invalid_argument("missing gradient file '" + gfile.string() + "'");
    io::NpyArray p = read_input(pfile);
    io::NpyArray g = read_input(gfile);
    if (p.size() == 0) throw std::invalid_argument(pfile.string() + ": the parameter has no elements");
    require_finite(pfile, p);
    std::vector<std::size_t> want = {0};
    want.insert(want.end(), p.shape.begin(), p.shape.end());
    if (g.shape.empty() || (want[0] = g.shape[0], g.shape != want)) {
      throw std::invalid_argument(gfile.string() + ": gradient shape " + shape_text(g.shape) + " does not match (T, " +
                                  shape_text(p.shape).substr(1) + " for parameter shape " + shape_text(p.shape));
    }
    const auto t = static_cast<std::int64_t>(g.shape[0]);
    if (steps >= 0 && t != steps) {
      throw std::invalid_argument(gfile.string() + ": " + std::to_string(t) + " steps of gradients, but '" +
                                  names.front() + "' has " + std::to_string(steps));
    }
    steps = t;
    ParamSpec spec{name, {}};
    for (std::size_t d : p.shape) spec.shape.push_back(static_cast<std::int64_t>(d));
    specs.push_back(spec);
    initial.push_back(std::move(p));
    grads.push_back(std::move(g));
  }

  Optimizer<> opt(specs, o.config, o.comm);
  distributed::Communicator& comm = opt.communicator();
  const bool writer = comm.rank() == 0;
  // Rank 0 writes; a failure there is reported on every rank.
  std::unique_ptr<ReplayOutputs> outputs;
  distributed::all_or_none(comm, [&] {
    if (writer) outputs = std::make_unique<ReplayOutputs>(o.out_dir, names, o.trace);
  });
  const std::size_t n = specs.size();
  std::vector<ParamView> params;
  std::vector<Kokkos::View<float*, DefaultExecSpace::memory_space>> gviews;
  std::vector<impl::HostMirrorOf<Kokkos::View<float*, DefaultExecSpace::memory_space>>> ghost;
  std::vector<GradView> gconst;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t size = initial[i].size();
    params.emplace_back("kdash::replay::param", size);
    gviews.emplace_back("kdash::replay::grad", size);
    gconst.push_back(gviews.back());
    ghost.push_back(Kokkos::create_mirror_view(gviews.back()));
    auto h = Kokkos::create_mirror_view(params.back());
    for (std::size_t k = 0; k < size; ++k) h(k) = static_cast<float>(initial[i].data[k]);
    Kokkos::deep_copy(params.back(), h);
  }
  std::vector<std::vector<float>> traces(o.trace ? n : 0);
  for (std::int64_t t = 0; t < steps; ++t) {
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t size = initial[i].size();
      const double* src = grads[i].data.data() + static_cast<std::size_t>(t) * size;
      for (std::size_t k = 0; k < size; ++k) ghost[i](k) = static_cast<float>(src[k]);
      Kokkos::deep_copy(gviews[i], ghost[i]);
    }
    opt.step(params, gconst);
    // Every rank holds the full parameters after a step, so every rank finds the same failure.
    for (std::size_t i = 0; i < n; ++i) {
      if (const std::size_t bad = count_nonfinite(params[i])) {
        throw std::runtime_error("parameter '" + names[i] + "' is non-finite after step " + std::to_string(t + 1) +
                                 " (" + std::to_string(bad) + " of " + std::to_string(params[i].extent(0)) +
                                 " values are NaN or Inf); no output was written");
      }
    }
    if (o.trace && writer) {
      for (std::size_t i = 0; i < n; ++i) {
        auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), params[i]);
        traces[i].insert(traces[i].end(), h.data(), h.data() + h.extent(0));
      }
    }
  }

  // Every output is written to its temporary, then all are renamed into place together.
  distributed::all_or_none(comm, [&] {
    if (!writer) return;
    for (std::size_t i = 0; i < n; ++i) {
      auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), params[i]);
      io::write_npy(outputs->set(), outputs->path(names[i], ".npy"), initial[i].shape, h.data());
      if (o.trace) {
        std::vector<std::size_t> shape = {static_cast<std::size_t>(steps)};
        shape.insert(shape.end(), initial[i].shape.begin(), initial[i].shape.end());
        io::write_npy(outputs->set(), outputs->path(names[i], ".trace.npy"), shape, traces[i].data());
      }
    }
    outputs->commit();
  });
  ReplayResult r;
  r.params = names;
  r.steps = steps;
  r.metrics = opt.metrics();
  return r;
}

}  // namespace kdash
