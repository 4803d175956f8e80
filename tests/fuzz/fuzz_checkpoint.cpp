// Fuzz entry point of the checkpoint loader (kdash::Optimizer::load) on the optimizer of checkpoint_fuzz_setup.hpp.
// Contract: a file is either rejected with a std::runtime_error that names it, leaving the optimizer's state exactly as
// it was (it saves to the same bytes), or accepted; an accepted state saves to a file that loads again, and the
// optimizer steps from it (or refuses with a std::runtime_error). After an accepted file the reference state is
// reloaded, so every input meets the same optimizer.
#include <kdash/optimizer.hpp>

#include "checkpoint_fuzz_setup.hpp"
#include "checkpoint_preamble.hpp"
#include "fuzz_contract.hpp"
#include "kokkos_session.hpp"
#include "scratch_directory.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace {

using kdash::fuzz::ScratchDirectory;
using kdash::fuzz::violation;

// The optimizer after three steps (roots computed at step 2), and its state saved as the reference checkpoint.
struct Fixture {
  kdash::Optimizer<> opt{kdash::fuzz::checkpoint_fuzz_specs(), kdash::fuzz::checkpoint_fuzz_config()};
  kdash::fuzz::CheckpointFuzzRun run;
  std::string reference_path = ScratchDirectory::instance().path("reference.ckpt");
  std::string reference_bytes;

  Fixture() {
    for (int t = 1; t <= 3; ++t) run.step(opt, t);
    opt.save(reference_path);
    reference_bytes = ScratchDirectory::instance().read("reference.ckpt");
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void check_state_unchanged(Fixture& f) {
  f.opt.save(ScratchDirectory::instance().path("after_rejection.ckpt"));
  if (ScratchDirectory::instance().read("after_rejection.ckpt") != f.reference_bytes)
    violation("a rejected checkpoint changed the optimizer's state");
}

void check_accepted_state(Fixture& f) {
  const std::string resaved = ScratchDirectory::instance().path("resaved.ckpt");
  f.opt.save(resaved);
  f.opt.load(resaved);
  f.run.reset();
  try {
    f.run.step(f.opt, 4);
  } catch (const std::runtime_error&) {
  }
  f.opt.load(f.reference_path);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  kdash::fuzz::initialize_kokkos();
  fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Fixture& f = fixture();
  const std::string path = ScratchDirectory::instance().write("input.ckpt", data, size);
  if (!kdash::fuzz::accepted<std::runtime_error>(
          "Optimizer::load", [&] { f.opt.load(path); }, path)) {
    kdash::fuzz::must_succeed("saving after a rejected checkpoint", [&] { check_state_unchanged(f); });
    kdash::fuzz::reject();
    return 0;
  }
  kdash::fuzz::must_succeed("save, load and step after an accepted checkpoint", [&] { check_accepted_state(f); });
  kdash::fuzz::accept();
  return 0;
}

#ifdef KDASH_FUZZ_WITH_LIBFUZZER
extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

// Nearly every mutation lands in the payload, and a stale checksum would reject it before the parser sees it: 7 of 8
// mutants get a preamble that matches their payload; the 8th keeps whatever the mutation left there.
extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned int seed) {
  size = LLVMFuzzerMutate(data, size, max_size);
  if (seed % 8 != 0) kdash::fuzz::restamp_checkpoint_preamble(data, size);
  return size;
}
#endif
