// Replays a fuzz target's corpus without libFuzzer: every file of the given files and directories goes through the
// same LLVMFuzzerTestOneInput entry point once (a contract violation aborts). Files named valid_* must be accepted
// and files named bad_* rejected, so the hand-made seeds keep testing what their names say; files of other names
// (inputs the fuzzer found) only have to keep the contract.
//   <target>_replay <corpus dir or file>...
#include "fuzz_contract.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> corpus_files(int argc, char** argv) {
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    if (fs::is_directory(argv[i])) {
      for (const auto& entry : fs::directory_iterator(argv[i]))
        if (entry.is_regular_file()) files.push_back(entry.path());
    } else {
      files.emplace_back(argv[i]);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  const std::vector<fs::path> files = corpus_files(argc, argv);
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s <corpus dir or file>...: no corpus files found\n", argv[0]);
    return 2;
  }
  int accepted = 0, rejected = 0, wrong = 0;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot read %s\n", file.c_str());
      return 2;
    }
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "%s\n", file.c_str());  // the culprit, should the entry point abort
    kdash::fuzz::last_outcome = kdash::fuzz::Outcome::none;
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    const bool ok = kdash::fuzz::last_outcome == kdash::fuzz::Outcome::accepted;
    (ok ? accepted : rejected) += 1;
    const std::string name = file.filename().string();
    if ((starts_with(name, "valid_") && !ok) || (starts_with(name, "bad_") && ok)) {
      std::fprintf(stderr, "  FAILED: %s was %s\n", name.c_str(), ok ? "accepted" : "rejected");
      ++wrong;
    }
  }
  std::printf("%zu corpus files: %d accepted, %d rejected, %d against their names\n", files.size(), accepted, rejected,
              wrong);
  return wrong == 0 ? 0 : 1;
}
