// kdash: the command line tool. Exit codes: 0 ok; 2 usage, configuration or input error (a bad option, config key
// or input file, named in the message); 1 runtime failure (an optimizer error, non-finite parameters, an output that
// cannot be written, memory exhausted).
#include "command.hpp"

#include <kdash/config.hpp>  // KDASH_HAVE_MPI: without it MPI was never initialised
#include <kdash/version.hpp>

#include <Kokkos_Core.hpp>

#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <new>

#include <unistd.h>

#if KDASH_HAVE_MPI
#include <mpi.h>
#endif

namespace {

// OpenMP threads that spin while waiting fight OpenBLAS and each other for the cores: on a 2-core machine the
// sequential stacking mode ran 11-39x slower with libgomp's default policy (docs/performance.md). libgomp reads
// OMP_WAIT_POLICY when it loads, before main, so when the user has not chosen a policy the tool sets "passive" and
// re-executes itself once; it also leaves threads unpinned unless OMP_PROC_BIND says otherwise (a laptop or a shared
// node: pinning two processes to the same cores is worse than no pinning). KDASH_KEEP_WAIT_POLICY=1 turns this off.
void prefer_passive_openmp_waits(char** argv) {
#if defined(KOKKOS_ENABLE_OPENMP)
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("KDASH_KEEP_WAIT_POLICY") != nullptr) return;
  setenv("OMP_WAIT_POLICY", "passive", 1);
  setenv("OMP_PROC_BIND", "false", 0);
  execv("/proc/self/exe", argv);  // returns only on failure: then run on with the default policy
#else
  (void)argv;
#endif
}

// True when an MPI launcher (mpirun/mpiexec of Open MPI, MPICH or Intel MPI; srun with PMI/PMIx) started this
// process. Without one there is nothing to distribute over, and MPI_Init would start a singleton runtime (Open MPI
// forks an `orted` daemon per process) for every plain command.
bool started_by_mpi_launcher() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

// Kokkos, and MPI when asked for, for the lifetime of a subcommand that computes.
class Runtime {
 public:
  Runtime(int& argc, char** argv, bool with_mpi) {
#if KDASH_HAVE_MPI
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (with_mpi && !initialized) {
      MPI_Init(&argc, &argv);
      owns_mpi_ = true;
    }
#else
    (void)with_mpi;
#endif
    Kokkos::initialize(argc, argv);
  }
  ~Runtime() {
    Kokkos::finalize();
#if KDASH_HAVE_MPI
    if (owns_mpi_) MPI_Finalize();
#endif
  }

 private:
#if KDASH_HAVE_MPI
  bool owns_mpi_ = false;
#endif
};

}  // namespace

int main(int argc, char** argv) {
  using namespace kdash::tools;
  prefer_passive_openmp_waits(argv);
  CLI::App app{"kdash " + kdash::version_string() + ": DASH, the batched Shampoo optimizer on Kokkos", "kdash"};
  app.require_subcommand(0, 1);
  bool show_version = false;
  app.add_flag("--version", show_version, "print the versions and the build configuration");
  app.allow_extras(false);

  std::map<CLI::App*, Action> actions;
  auto add = [&](Action (*reg)(CLI::App&)) {
    const std::size_t before = app.get_subcommands({}).size();
    Action action = reg(app);
    auto subs = app.get_subcommands({});
    if (subs.size() > before) actions[subs.back()] = std::move(action);
  };
  add(register_version);
  add(register_root);
  add(register_replay);
  add(register_bench);
  add(register_train);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "kdash: " << e.what() << "\n"
              << "Run 'kdash --help' for usage.\n";
    return 2;
  }

  try {
    if (show_version) {
      std::cout << kdash::build_info();
      return 0;
    }
    for (auto& [sub, action] : actions) {
      if (sub->parsed()) {
        // Kokkos' own flags (--kokkos-threads=...) are passed through the environment (KOKKOS_NUM_THREADS) or
        // after the subcommand's options; Kokkos ignores the rest.
        int kargc = 1;
        // Only replay distributes (over the ranks of its launcher); every other command runs in one process.
        Runtime runtime(kargc, argv, sub->get_name() == "replay" && started_by_mpi_launcher());
        return action();
      }
    }
    std::cout << app.help();
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "kdash: " << e.what() << "\n";
    return 2;
  } catch (const std::invalid_argument& e) {
    std::cerr << "kdash: " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "kdash: error: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "kdash: error: " << e.what() << "\n";
    return 1;
  } catch (...) {
    std::cerr << "kdash: error: unknown exception\n";
    return 1;
  }
}
