// Writes the seed corpus of the checkpoint fuzz target (tests/fuzz/corpus/checkpoint) into a directory: checkpoints
// saved by the optimizer of checkpoint_fuzz_setup.hpp (valid_*), and near-valid variants of one of them, each broken
// in one way the loader must reject (bad_*). Variants that change the payload carry a matching checksum, so they
// reach the check they are about.
//   make_checkpoint_corpus <dir>
#include <kdash/optimizer.hpp>

#include "checkpoint_fuzz_setup.hpp"
#include "checkpoint_preamble.hpp"

#include <Kokkos_Core.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// A checkpoint's payload taken apart: the JSON header and the records, each kept as its raw bytes after the key.
struct Payload {
  json header;
  struct Record {
    std::string key;
    std::string rest;  // type, rank, dims, values
  };
  std::vector<Record> records;
};

template <class T>
T take(const std::string& b, std::size_t& pos) {
  if (pos + sizeof(T) > b.size()) throw std::runtime_error("malformed checkpoint");
  T v;
  std::memcpy(&v, b.data() + pos, sizeof(T));
  pos += sizeof(T);
  return v;
}

template <class T>
void put(std::string& b, T v) {
  b.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

Payload parse(const std::string& file) {
  const std::string b = file.substr(kdash::fuzz::kCheckpointPreambleBytes);
  std::size_t pos = 0;
  Payload p;
  const auto header_len = take<std::uint64_t>(b, pos);
  p.header = json::parse(b.substr(pos, header_len));
  pos += header_len;
  const auto count = take<std::uint64_t>(b, pos);
  for (std::uint64_t i = 0; i < count; ++i) {
    Payload::Record r;
    const auto key_len = take<std::uint32_t>(b, pos);
    r.key = b.substr(pos, key_len);
    pos += key_len;
    const std::size_t start = pos;
    const auto type = take<std::uint8_t>(b, pos);
    const auto rank = take<std::uint32_t>(b, pos);
    std::uint64_t n = 1;
    for (std::uint32_t d = 0; d < rank; ++d) n *= take<std::uint64_t>(b, pos);
    pos += n * (type == 0 ? 4 : 8);
    r.rest = b.substr(start, pos - start);
    p.records.push_back(r);
  }
  return p;
}

// The file of `p` behind the preamble of `file` (its version field kept), with a matching size and checksum.
std::string assemble(const std::string& file, const Payload& p) {
  std::string out = file.substr(0, kdash::fuzz::kCheckpointPreambleBytes);
  const std::string header = p.header.dump();
  put<std::uint64_t>(out, header.size());
  out += header;
  put<std::uint64_t>(out, p.records.size());
  for (const auto& r : p.records) {
    put<std::uint32_t>(out, static_cast<std::uint32_t>(r.key.size()));
    out += r.key;
    out += r.rest;
  }
  kdash::fuzz::restamp_checkpoint_preamble(reinterpret_cast<unsigned char*>(out.data()), out.size());
  return out;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string save(const kdash::Optimizer<>& opt, const fs::path& path) {
  opt.save(path.string());
  return read(path);
}

void write_corpus(const fs::path& dir) {
  using kdash::fuzz::checkpoint_fuzz_config;
  using kdash::fuzz::checkpoint_fuzz_specs;
  kdash::Optimizer<> opt(checkpoint_fuzz_specs(), checkpoint_fuzz_config());
  save(opt, dir / "valid_fresh.ckpt");
  kdash::fuzz::CheckpointFuzzRun run;
  for (int t = 1; t <= 3; ++t) run.step(opt, t);
  const std::string base = save(opt, dir / "valid_step3.ckpt");

  kdash::Config layout = checkpoint_fuzz_config();  // options a checkpoint loads across
  layout.lr = 0.5;
  layout.stacking = kdash::StackingMode::sequential;
  layout.root.device_symmetric = kdash::backends::DeviceSymmetricForm::lower_triangle;
  kdash::Optimizer<> other(checkpoint_fuzz_specs(), layout);
  save(other, dir / "valid_layout_options_differ.ckpt");

  auto variant = [&](const char* name, const std::function<void(Payload&)>& edit) {
    Payload p = parse(base);
    edit(p);
    write(dir / name, assemble(base, p));
  };
  variant("bad_config_differs.ckpt", [](Payload& p) { p.header["config"]["block_size"] = 8; });
  variant("bad_usable_residual_differs.ckpt", [](Payload& p) { p.header["config"]["usable_residual"] = 0.5; });
  variant("bad_param_shape.ckpt", [](Payload& p) { p.header["params"][0]["shape"] = {5, 6}; });
  variant("bad_unknown_param.ckpt", [](Payload& p) { p.header["params"].push_back({{"name", "x"}, {"shape", {2}}}); });
  variant("bad_negative_step.ckpt", [](Payload& p) { p.header["step"] = -1; });
  variant("bad_step_is_text.ckpt", [](Payload& p) { p.header["step"] = "3"; });
  variant("bad_no_root_calls.ckpt", [](Payload& p) { p.header.erase("root_calls"); });
  variant("bad_missing_record.ckpt", [](Payload& p) { p.records.erase(p.records.begin()); });
  variant("bad_duplicate_record.ckpt", [](Payload& p) { p.records.push_back(p.records.front()); });
  variant("bad_unexpected_record.ckpt", [](Payload& p) {
    p.records.push_back(p.records.front());
    p.records.back().key = "w#9/ema";
  });
  variant("bad_record_type.ckpt", [](Payload& p) { p.records.front().rest[0] = 7; });
  variant("bad_record_rank.ckpt", [](Payload& p) { p.records.front().rest[1] = 9; });

  auto raw = [&](const char* name, const std::function<void(std::string&)>& edit) {
    std::string b = base;
    edit(b);
    write(dir / name, b);
  };
  raw("bad_magic.ckpt", [](std::string& b) { b[0] = 'X'; });
  raw("bad_version.ckpt", [](std::string& b) { b[8] = 99; });  // no such format
  raw("bad_checksum.ckpt", [](std::string& b) { b.back() ^= 1; });
  raw("bad_truncated.ckpt", [](std::string& b) { b.resize(b.size() / 2); });
  raw("bad_preamble_only.ckpt", [](std::string& b) { b.resize(kdash::fuzz::kCheckpointPreambleBytes); });
  raw("bad_trailing_bytes.ckpt", [](std::string& b) { b += "extra"; });
  raw("bad_payload_larger_than_file.ckpt", [](std::string& b) { b[16 + 7] = 1; });
  raw("bad_empty.ckpt", [](std::string& b) { b.clear(); });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output dir>\n", argv[0]);
    return 2;
  }
  Kokkos::initialize(argc, argv);
  int status = 0;
  try {
    fs::create_directories(argv[1]);
    write_corpus(argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    status = 1;
  }
  Kokkos::finalize();
  return status;
}
