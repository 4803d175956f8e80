// Optimizer::save / load and the checkpoint format (see kdash/checkpoint.hpp).
#include "kdash/checkpoint.hpp"

#include "kdash/config_json.hpp"
#include "kdash/impl/optimizer_state.hpp"
#include "kdash/io/checksum.hpp"
#include "kdash/io/json_nesting.hpp"
#include "kdash/io/output_set.hpp"
#include "kdash/version.hpp"

#include <kdash/backends/profiling_region.hpp>
#include <kdash/distributed/communicator.hpp>

#include <nlohmann/json.hpp>

#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

namespace kdash {
namespace {

using json = nlohmann::json;

constexpr char kMagic[8] = {'K', 'D', 'A', 'S', 'H', 'C', 'K', 'P'};
constexpr std::size_t kPreambleBytes = 8 + 4 + 4 + 8 + 8;
// The bytes of the preamble before the checksum (magic, version, reserved, payload length): format 2 sums them too.
constexpr std::size_t kSummedPreambleBytes = kPreambleBytes - 8;
// Step and call counters are at most 2^62: a run continued from a checkpoint can never overflow them.
constexpr std::int64_t kMaxCounter = std::int64_t(1) << 62;
enum RecordType : std::uint8_t { f32 = 0, i64 = 1 };

// Options that do not change what the state means: a checkpoint loads across them.
bool layout_only(const std::string& key) {
  return key == "stacking" || key == "lr" || key == "dump_dir" || key == "nonfinite_policy" || key == "max_failures" ||
         key == "gemm_path" || key == "device_symmetric" || key == "root_batch_mb";
}

class Writer {
 public:
  template <class T>
  void put(const T& v) {
    const char* p = reinterpret_cast<const char*>(&v);
    buf_.append(p, sizeof(T));
  }
  void bytes(const void* p, std::size_t n) { buf_.append(static_cast<const char*>(p), n); }
  void string(const std::string& s) {
    put(static_cast<std::uint64_t>(s.size()));
    bytes(s.data(), s.size());
  }
  template <class T>
  void record(const std::string& key, RecordType type, const std::vector<std::uint64_t>& dims, const T* data) {
    put(static_cast<std::uint32_t>(key.size()));
    bytes(key.data(), key.size());
    put(static_cast<std::uint8_t>(type));
    put(static_cast<std::uint32_t>(dims.size()));
    std::uint64_t n = 1;
    for (auto d : dims) {
      put(d);
      n *= d;
    }
    bytes(data, n * sizeof(T));
    ++records_;
  }
  std::string& buffer() { return buf_; }
  std::uint64_t records() const { return records_; }

 private:
  std::string buf_;
  std::uint64_t records_ = 0;
};

class Reader {
 public:
  Reader(const std::string& path, const char* data, std::size_t size) : path_(path), data_(data), size_(size) {}
  template <class T>
  T get() {
    T v;
    std::memcpy(&v, take(sizeof(T)), sizeof(T));
    return v;
  }
  const char* take(std::size_t n) {
    if (n > size_ - pos_)
      throw std::runtime_error("checkpoint '" + path_ + "' is malformed (a record runs past the end)");
    const char* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  std::string string() {
    const auto n = get<std::uint64_t>();
    const char* p = take(n);
    return std::string(p, n);
  }
  bool done() const { return pos_ == size_; }

 private:
  std::string path_;
  const char* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

struct Record {
  RecordType type;
  std::vector<std::uint64_t> dims;
  const char* data;
  std::size_t count() const {
    std::size_t n = 1;
    for (auto d : dims) n *= d;
    return n;
  }
};

// The checksum of a file of format `version`: format 1 covers the payload, format 2 also the preamble before the
// checksum, so that no byte of the file escapes it.
std::uint64_t checksum_of(std::uint32_t version, const char* file, std::uint64_t payload) {
  const std::uint64_t start = version == 1 ? io::kFnv1aOffset : io::fnv1a64(file, kSummedPreambleBytes);
  return io::fnv1a64(file + kPreambleBytes, payload, start);
}

// The validated contents of a checkpoint file.
struct Parsed {
  std::uint32_t version = 0;
  std::string bytes;  // owns the data the records point into
  json header;
  std::map<std::string, Record> records;
};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("checkpoint '" + path + "': " + what);
}

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(path, "is a directory, not a checkpoint file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open the file");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Parses the bytes of the file `path` (named in messages).
Parsed parse(const std::string& path, std::string bytes) {
  Parsed out;
  out.bytes = std::move(bytes);
  const std::string& b = out.bytes;
  if (b.size() < kPreambleBytes) {
    fail(path, "is truncated (" + std::to_string(b.size()) + " bytes, less than the " + std::to_string(kPreambleBytes) +
                   "-byte preamble)");
  }
  if (std::memcmp(b.data(), kMagic, 8) != 0) fail(path, "is not a kdash checkpoint (bad magic)");
  Reader pre(path, b.data() + 8, kPreambleBytes - 8);
  const auto version = pre.get<std::uint32_t>();
  const auto reserved = pre.get<std::uint32_t>();
  const auto payload = pre.get<std::uint64_t>();
  const auto checksum = pre.get<std::uint64_t>();
  if (version < kOldestCheckpointFormatVersion || version > kCheckpointFormatVersion) {
    fail(path, "has format version " + std::to_string(version) + "; this kdash reads versions " +
                   std::to_string(kOldestCheckpointFormatVersion) + " to " + std::to_string(kCheckpointFormatVersion));
  }
  out.version = version;
  const std::size_t have = b.size() - kPreambleBytes;
  if (have < payload) {
    fail(path, "is truncated: the payload has " + std::to_string(have) + " of " + std::to_string(payload) + " bytes");
  }
  if (have > payload) fail(path, "has " + std::to_string(have - payload) + " unexpected trailing bytes");
  if (checksum_of(version, b.data(), payload) != checksum) {
    fail(path, "checksum mismatch: the file is corrupt or was modified");
  }
  if (reserved != 0) fail(path, "has non-zero reserved preamble bytes (" + std::to_string(reserved) + ")");
  Reader r(path, b.data() + kPreambleBytes, payload);
  const std::string header = r.string();
  if (io::json_nesting(header) > io::kMaxJsonNesting) {
    fail(path, "malformed header: arrays or objects nested more than " + std::to_string(io::kMaxJsonNesting) +
                   " levels deep");
  }
  try {
    out.header = json::parse(header);
  } catch (const json::exception& e) {
    fail(path, std::string("malformed header: ") + e.what());
  }
  const auto count = r.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < count; ++i) {
    const auto key_len = r.get<std::uint32_t>();
    std::string key(r.take(key_len), key_len);
    Record rec;
    rec.type = static_cast<RecordType>(r.get<std::uint8_t>());
    if (rec.type != f32 && rec.type != i64) fail(path, "record '" + key + "' has an unknown type");
    const auto rank = r.get<std::uint32_t>();
    if (rank > 8) fail(path, "record '" + key + "' is malformed");
    for (std::uint32_t d = 0; d < rank; ++d) rec.dims.push_back(r.get<std::uint64_t>());
    const std::size_t elem = rec.type == f32 ? 4 : 8;
    if (rec.count() > payload / elem) fail(path, "record '" + key + "' is malformed");
    rec.data = r.take(rec.count() * elem);
    if (!out.records.emplace(key, rec).second) fail(path, "record '" + key + "' appears twice");
  }
  if (!r.done()) fail(path, "has unexpected bytes after its records");
  return out;
}

Parsed parse(const std::string& path) { return parse(path, read_file(path)); }

// Distributed: rank 0 reads the file and broadcasts it (the ranks need not share a file system); every rank parses
// the same bytes, so every rank fails alike on a bad file.
Parsed parse_on_every_rank(distributed::Communicator& comm, const std::string& path) {
  if (comm.size() == 1) return parse(path);
  std::string bytes;
  distributed::all_or_none(comm, [&] {
    if (comm.rank() == 0) bytes = read_file(path);
  });
  std::uint64_t size = bytes.size();
  comm.broadcast(&size, sizeof(size), 0);
  bytes.resize(size);
  comm.broadcast(&bytes[0], size, 0);
  return parse(path, std::move(bytes));
}

// A non-negative integer counter of the header, at most kMaxCounter; never converted from a float.
std::int64_t counter(const std::string& path, const json& h, const char* key) {
  if (!h.is_object() || !h.contains(key)) fail(path, std::string("malformed header: no '") + key + "' field");
  const json& v = h.at(key);
  const bool in_range = v.is_number_unsigned()  ? v.get<std::uint64_t>() <= std::uint64_t(kMaxCounter)
                        : v.is_number_integer() ? v.get<std::int64_t>() >= 0 && v.get<std::int64_t>() <= kMaxCounter
                                                : false;
  if (!in_range) fail(path, std::string("header field '") + key + "' must be an integer in [0, 2^62], got " + v.dump());
  return v.get<std::int64_t>();
}

CheckpointInfo info_of(const std::string& path, std::uint32_t version, const json& h) {
  CheckpointInfo info;
  info.format_version = version;
  info.step = counter(path, h, "step");
  try {
    info.kdash_version = h.at("kdash_version").get<std::string>();
    info.config = config_from_json(h.at("config").dump());
    for (const auto& p : h.at("params")) {
      info.params.push_back({p.at("name").get<std::string>(), p.at("shape").get<std::vector<std::int64_t>>()});
    }
  } catch (const std::exception& e) {
    fail(path, std::string("malformed header: ") + e.what());
  }
  return info;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + ")";
}

std::string block_key(const BlockMap& map, int block, const char* field) {
  const BlockInfo& b = map.blocks()[block];
  return map.params()[b.param].spec.name + "#" + std::to_string(b.index) + "/" + field;
}

// The gradient-shaped state buffers, saved per block as (rows, cols) records "<param>#<block>/<name>".
template <class ExecSpace>
struct StateFields {
  // Through an alias: nvcc hands the host compiler a plain member-pointer declarator as `T (C::*buffer)`, which
  // GCC's -Wparentheses reports.
  using Buffer = Kokkos::View<float*, MemOf<ExecSpace>> impl::FirstOrderState<ExecSpace>::*;
  const char* name;
  Buffer buffer;
};
template <class ExecSpace>
constexpr StateFields<ExecSpace> kFlatFields[] = {{"ema", &impl::FirstOrderState<ExecSpace>::ema},
                                                  {"graft", &impl::FirstOrderState<ExecSpace>::graft},
                                                  {"momentum", &impl::FirstOrderState<ExecSpace>::momentum}};

}  // namespace

CheckpointInfo inspect_checkpoint(const std::string& path) {
  const Parsed p = parse(path);
  return info_of(path, p.version, p.header);
}

template <class ExecSpace>
void Optimizer<ExecSpace>::save(const std::string& path) const {
  const impl::OptimizerState<ExecSpace>& s = *state_;
  s.exec.fence();
  json header;
  header["format"] = "kdash-checkpoint";
  header["kdash_version"] = version_string();
  header["step"] = s.counters.step;
  header["root_calls"] = s.counters.root_calls;
  header["saved_on_ranks"] = s.distribution.comm->size();  // informational: the file loads on any number of ranks
  header["config"] = json::parse(config_to_json(s.config, -1));
  header["params"] = json::array();
  for (const ParamLayout& p : s.map.params())
    header["params"].push_back({{"name", p.spec.name}, {"shape", p.spec.shape}});

  Writer w;
  w.string(header.dump());
  Writer records;
  for (const StateFields<ExecSpace>& f : kFlatFields<ExecSpace>) {
    const auto& buf = s.first_order.*(f.buffer);
    if (buf.extent(0) == 0) continue;
    auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), buf);
    for (int pos = s.layout.local_first; pos < s.layout.local_last; ++pos) {
      const int id = s.layout.table.block_of[pos];
      const BlockInfo& b = s.map.blocks()[id];
      records.record(block_key(s.map, id, f.name), f32, {std::uint64_t(b.extent.rows), std::uint64_t(b.extent.cols)},
                     h.data() + (b.direction_offset - s.layout.local_base));
    }
  }
  for (int f : s.layout.local_factors) {
    const FactorStack& fs = s.map.factor_stacks()[f];
    const impl::FactorState<ExecSpace>& st = s.factors[f];
    auto stats = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), st.stats);
    auto root = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), st.root);
    const std::size_t nn = std::size_t(fs.n) * fs.n;
    for (std::size_t e = 0; e < fs.entries.size(); ++e) {
      const std::string side(1, fs.entries[e].side);
      const std::uint64_t n = fs.n;
      records.record(block_key(s.map, fs.entries[e].block, side.c_str()), f32, {n, n}, stats.data() + e * nn);
      records.record(block_key(s.map, fs.entries[e].block, (side + "_root").c_str()), f32, {n, n},
                     root.data() + e * nn);
      const std::int64_t counters[2] = {st.consecutive_failures[e], st.total_failures[e]};
      records.record(block_key(s.map, fs.entries[e].block, (side + "_failures").c_str()), i64, {2}, counters);
    }
  }
  auto skipped = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), s.first_order.skipped);
  for (int pos = s.layout.local_first; pos < s.layout.local_last; ++pos) {
    const std::int64_t v = skipped(pos);
    records.record(block_key(s.map, s.layout.table.block_of[pos], "skipped"), i64, {1}, &v);
  }
  // Distributed: every rank's records (its own blocks) are gathered on rank 0, which writes the one file; the records
  // are keyed by parameter and block, so their order does not matter to load.
  distributed::Communicator& comm = *s.distribution.comm;
  std::uint64_t count = records.records();
  std::string body = std::move(records.buffer());
  if (comm.size() > 1) {
    std::string mine(sizeof(count), '\0');
    std::memcpy(&mine[0], &count, sizeof(count));
    mine += body;
    body.clear();
    const std::vector<std::string> all = comm.gather_bytes(mine, 0);
    count = 0;
    for (const std::string& blob : all) {
      std::uint64_t n = 0;
      std::memcpy(&n, blob.data(), sizeof(n));
      count += n;
      body.append(blob, sizeof(n), std::string::npos);
    }
  }
  w.put(count);
  w.bytes(body.data(), body.size());

  const std::string& payload = w.buffer();
  Writer file;
  file.bytes(kMagic, 8);
  file.put(kCheckpointFormatVersion);
  file.put(std::uint32_t(0));  // reserved
  file.put(static_cast<std::uint64_t>(payload.size()));
  file.put(std::uint64_t(0));  // the checksum, once the payload is in place
  file.bytes(payload.data(), payload.size());
  const std::uint64_t checksum = checksum_of(kCheckpointFormatVersion, file.buffer().data(), payload.size());
  std::memcpy(&file.buffer()[kSummedPreambleBytes], &checksum, sizeof(checksum));

  distributed::all_or_none(comm, [&] {
    if (comm.rank() != 0) return;
    try {
      io::write_file_atomically(path, {file.buffer()});
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(std::string("cannot write checkpoint: ") + e.what());
    }
  });
}

namespace {

// Every option that changes what the state means must agree.
void check_configuration(const std::string& path, const Config& saved, const Config& here) {
  for (const std::string& key : config_differences(saved, here)) {
    if (layout_only(key)) continue;
    const json a = json::parse(config_to_json(saved, -1)), b = json::parse(config_to_json(here, -1));
    fail(path, "was written with a different configuration: " + key + " is " + a.at(key).dump() +
                   " in the checkpoint and " + b.at(key).dump() + " here");
  }
}

// The same parameter names and shapes, in any order.
void check_parameters(const std::string& path, const std::vector<ParamSpec>& saved_params, const BlockMap& map) {
  std::map<std::string, std::vector<std::int64_t>> saved;
  for (const ParamSpec& p : saved_params) saved[p.name] = p.shape;
  for (const ParamLayout& p : map.params()) {
    auto it = saved.find(p.spec.name);
    if (it == saved.end()) fail(path, "has no parameter '" + p.spec.name + "'");
    if (it->second != p.spec.shape) {
      fail(path, "parameter '" + p.spec.name + "' has shape " + shape_text(it->second) + " in the checkpoint and " +
                     shape_text(p.spec.shape) + " here");
    }
    saved.erase(it);
  }
  if (!saved.empty()) fail(path, "has parameter '" + saved.begin()->first + "', which this optimizer does not have");
}

// The records of a parsed checkpoint, by key, each checked for its type and shape, remembering which were read.
class RecordReader {
 public:
  RecordReader(const std::string& path, const Parsed& parsed) : path_(path), parsed_(parsed) {}
  const Record& find(const std::string& key, RecordType type, const std::vector<std::uint64_t>& dims) {
    auto it = parsed_.records.find(key);
    if (it == parsed_.records.end()) fail(path_, "has no record '" + key + "'");
    if (it->second.type != type || it->second.dims != dims) fail(path_, "record '" + key + "' has the wrong shape");
    used_.insert(key);
    return it->second;
  }
  const std::set<std::string>& used() const { return used_; }

 private:
  const std::string& path_;
  const Parsed& parsed_;
  std::set<std::string> used_;
};

// A checkpoint's state for this rank's blocks, staged on the host; the optimizer is only touched by commit().
// create_mirror, not create_mirror_view: on a host space the latter is the live state itself.
template <class ExecSpace>
struct StagedState {
  struct Factor {
    impl::HostMirrorOf<Stack<float, MemOf<ExecSpace>>> stats, root;
    std::vector<int> consecutive;
    std::vector<std::int64_t> total;
  };
  CheckpointInfo info;
  std::vector<impl::HostMirrorOf<Kokkos::View<float*, MemOf<ExecSpace>>>> flat;  // kFlatFields order
  std::map<int, Factor> factors;
  impl::HostMirrorOf<Kokkos::View<std::int64_t*, MemOf<ExecSpace>>> skipped;
  std::int64_t root_calls = 0;
};

template <class ExecSpace>
void stage_first_order(const impl::OptimizerState<ExecSpace>& s, RecordReader& records, StagedState<ExecSpace>& out) {
  for (const StateFields<ExecSpace>& f : kFlatFields<ExecSpace>) {
    const auto& buf = s.first_order.*(f.buffer);
    out.flat.push_back(Kokkos::create_mirror(buf));
    if (buf.extent(0) == 0) continue;
    for (int pos = s.layout.local_first; pos < s.layout.local_last; ++pos) {
      const int id = s.layout.table.block_of[pos];
      const BlockInfo& b = s.map.blocks()[id];
      const Record& r =
          records.find(block_key(s.map, id, f.name), f32, {std::uint64_t(b.extent.rows), std::uint64_t(b.extent.cols)});
      std::memcpy(out.flat.back().data() + (b.direction_offset - s.layout.local_base), r.data, r.count() * 4);
    }
  }
}

template <class ExecSpace>
void stage_factors(const std::string& path, const impl::OptimizerState<ExecSpace>& s, RecordReader& records,
                   StagedState<ExecSpace>& out) {
  for (int f : s.layout.local_factors) {
    const FactorStack& fs = s.map.factor_stacks()[f];
    auto& fh = out.factors[f];
    fh.stats = Kokkos::create_mirror(s.factors[f].stats);
    fh.root = Kokkos::create_mirror(s.factors[f].root);
    const std::size_t nn = std::size_t(fs.n) * fs.n;
    const std::uint64_t n = fs.n;
    for (std::size_t e = 0; e < fs.entries.size(); ++e) {
      const std::string side(1, fs.entries[e].side);
      const Record& st = records.find(block_key(s.map, fs.entries[e].block, side.c_str()), f32, {n, n});
      std::memcpy(fh.stats.data() + e * nn, st.data, nn * 4);
      const Record& rt = records.find(block_key(s.map, fs.entries[e].block, (side + "_root").c_str()), f32, {n, n});
      std::memcpy(fh.root.data() + e * nn, rt.data, nn * 4);
      const std::string failures_key = block_key(s.map, fs.entries[e].block, (side + "_failures").c_str());
      const Record& fc = records.find(failures_key, i64, {2});
      std::int64_t c[2];
      std::memcpy(c, fc.data, sizeof(c));
      // Each root computation (at most one per step) fails at most once; a success resets the consecutive count.
      if (c[0] < 0 || c[0] > c[1] || c[1] > out.info.step || c[0] > INT_MAX) {
        fail(path, "record '" + failures_key + "' holds out-of-range failure counters (consecutive " +
                       std::to_string(c[0]) + ", total " + std::to_string(c[1]) +
                       "; want 0 <= consecutive <= total <= step " + std::to_string(out.info.step) + ")");
      }
      fh.consecutive.push_back(static_cast<int>(c[0]));
      fh.total.push_back(c[1]);
    }
  }
}

template <class ExecSpace>
void stage_skips(const std::string& path, const impl::OptimizerState<ExecSpace>& s, RecordReader& records,
                 StagedState<ExecSpace>& out) {
  out.skipped = Kokkos::create_mirror(s.first_order.skipped);
  Kokkos::deep_copy(out.skipped, 0);
  for (int pos = s.layout.local_first; pos < s.layout.local_last; ++pos) {
    const std::string skipped_key = block_key(s.map, s.layout.table.block_of[pos], "skipped");
    const Record& r = records.find(skipped_key, i64, {1});
    std::int64_t v;
    std::memcpy(&v, r.data, sizeof(v));
    if (v < 0 || v > out.info.step) {  // at most one skip per step
      fail(path, "record '" + skipped_key + "' holds an out-of-range skip count " + std::to_string(v) +
                     " (want 0 to step " + std::to_string(out.info.step) + ")");
    }
    out.skipped(pos) = v;
  }
}

// Every record belongs to exactly one block, hence to one rank: a record no rank used is foreign to this optimizer.
// Collective when distributed (slot i counts the ranks that used record i, the same map order on every rank).
void check_every_record_used(const std::string& path, const Parsed& parsed, const std::set<std::string>& used,
                             distributed::Communicator& comm) {
  std::vector<std::uint64_t> users;
  for (const auto& entry : parsed.records) users.push_back(used.count(entry.first));
  if (comm.size() > 1) comm.all_reduce_sum(users.data(), users.size(), distributed::MemoryKind::host);
  auto it = parsed.records.begin();
  for (std::size_t i = 0; i < users.size(); ++i, ++it)
    if (users[i] == 0) fail(path, "has an unexpected record '" + it->first + "'");
}

template <class ExecSpace>
void commit(const StagedState<ExecSpace>& staged, impl::OptimizerState<ExecSpace>& s) {
  for (std::size_t i = 0; i < std::size(kFlatFields<ExecSpace>); ++i) {
    const auto& buf = s.first_order.*(kFlatFields<ExecSpace>[i].buffer);
    if (buf.extent(0) != 0) Kokkos::deep_copy(s.exec, buf, staged.flat[i]);
  }
  for (auto& [f, fh] : staged.factors) {
    impl::FactorState<ExecSpace>& st = s.factors[f];
    Kokkos::deep_copy(s.exec, st.stats, fh.stats);
    Kokkos::deep_copy(s.exec, st.root, fh.root);
    st.consecutive_failures = fh.consecutive;
    st.total_failures = fh.total;
    st.last.assign(st.last.size(), BlockRootResult{});
  }
  Kokkos::deep_copy(s.exec, s.first_order.skipped, staged.skipped);
  s.exec.fence();  // the staged host copies go out of scope with the caller
  s.counters.step = staged.info.step;
  s.counters.root_calls = static_cast<std::uint64_t>(staged.root_calls);
  s.counters.roots_computed = false;
}

}  // namespace

template <class ExecSpace>
void Optimizer<ExecSpace>::load(const std::string& path) {
  const backends::ProfilingRegion region("kdash::Optimizer::load");
  impl::OptimizerState<ExecSpace>& s = *state_;
  distributed::Communicator& comm = *s.distribution.comm;
  const Parsed parsed = parse_on_every_rank(comm, path);
  // Staged on the host first, on every rank; committed only if every rank staged its blocks.
  StagedState<ExecSpace> staged;
  RecordReader records(path, parsed);
  auto stage = [&] {
    staged.info = info_of(path, parsed.version, parsed.header);
    check_configuration(path, staged.info.config, s.config);
    check_parameters(path, staged.info.params, s.map);
    stage_first_order(s, records, staged);
    stage_factors(path, s, records, staged);
    stage_skips(path, s, records, staged);
    try {
      staged.root_calls = counter(path, parsed.header, "root_calls");
    } catch (const json::exception& e) {
      fail(path, std::string("malformed header: ") + e.what());
    }
    // An optimizer that owns every block must have used every record (a hand-made partition may own fewer).
    const bool owns_all = s.layout.local_first == 0 && s.layout.local_last == static_cast<int>(s.map.blocks().size());
    if (comm.size() == 1 && owns_all) check_every_record_used(path, parsed, records.used(), comm);
  };
  if (comm.size() == 1) {
    stage();
  } else {
    distributed::all_or_none(comm, stage);
    check_every_record_used(path, parsed, records.used(), comm);
  }
  commit(staged, s);
}

#define KDASH_INSTANTIATE_CHECKPOINTS(SPACE)                      \
  template void Optimizer<SPACE>::save(const std::string&) const; \
  template void Optimizer<SPACE>::load(const std::string&);
KDASH_FOR_EACH_EXECUTION_SPACE(KDASH_INSTANTIATE_CHECKPOINTS)
#undef KDASH_INSTANTIATE_CHECKPOINTS

}  // namespace kdash
