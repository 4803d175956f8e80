#include "kdash/replay.hpp"

#include "kdash/impl/optimizer_state.hpp"
#include "kdash/io/npy.hpp"
#include "kdash/optimizer.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
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

  Optimizer opt(specs, o.config, o.comm);
  distributed::Communicator& comm = opt.communicator();
  const bool writer = comm.rank() == 0;
  const std::size_t n = specs.size();
  std::vector<ParamView> params;
  std::vector<Kokkos::View<float*, MemSpace>> gviews;
  std::vector<impl::HostMirrorOf<Kokkos::View<float*, MemSpace>>> ghost;
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
    if (o.trace && writer) {
      for (std::size_t i = 0; i < n; ++i) {
        auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), params[i]);
        traces[i].insert(traces[i].end(), h.data(), h.data() + h.extent(0));
      }
    }
  }

  // Rank 0 writes; a failure there is reported on every rank.
  distributed::all_or_none(comm, [&] {
    if (!writer) return;
    std::error_code ec;
    fs::create_directories(o.out_dir, ec);
    if (!fs::is_directory(o.out_dir))
      throw std::runtime_error("cannot create the output directory '" + o.out_dir + "'");
    for (std::size_t i = 0; i < n; ++i) {
      auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), params[i]);
      const std::string base = (fs::path(o.out_dir) / names[i]).string();
      io::write_npy(base + ".npy", initial[i].shape, h.data());
      if (o.trace) {
        std::vector<std::size_t> shape = {static_cast<std::size_t>(steps)};
        shape.insert(shape.end(), initial[i].shape.begin(), initial[i].shape.end());
        io::write_npy(base + ".trace.npy", shape, traces[i].data());
      }
    }
  });
  ReplayResult r;
  r.params = names;
  r.steps = steps;
  r.metrics = opt.metrics();
  return r;
}

}  // namespace kdash
