// Checkpoints (design.md §4): a run saved mid-way and reloaded continues bit-identically; bad files are rejected with a
// message naming the problem and leave the optimizer unchanged.
#include <gtest/gtest.h>

#include <kdash/checkpoint.hpp>
#include <kdash/optimizer.hpp>

#include "optimizer_test_helpers.hpp"
#include "test_helpers.hpp"
#include "test_spaces.hpp"

#include <nlohmann/json.hpp>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace {

namespace fs = std::filesystem;
using kdash::Config;
using kdash::ParamSpec;
using kdash::testing::expect_error_naming;
using kdash::testing::test_config;

const std::vector<ParamSpec> kSpecs = {{"w1", {6, 5}}, {"conv", {3, 2, 3}}, {"bias", {7}}, {"gain", {}}};

// Parameters from seed 5, gradients of step t from seed 1000 + t.
template <class Space>
struct Harness : kdash::testing::OptimizerHarness<Space> {
  explicit Harness(const std::vector<ParamSpec>& specs) : kdash::testing::OptimizerHarness<Space>(specs, 5) {}
  void step(kdash::Optimizer<Space>& opt, int t) { this->random_step(opt, 1000 + t); }
};

// Run on every execution space: TypeParam is the space of the optimizers under test.
template <class Space>
class CoreCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("kdash_ckpt_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                                     "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const std::string& bytes) const {
    std::ofstream out(file(name), std::ios::binary);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    return file(name);
  }
  std::string read(const std::string& name) const {
    std::ifstream in(file(name), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // The bytes of good.ckpt, saved after 4 steps.
  std::string checkpoint_after_four_steps(const Config& c) const {
    kdash::Optimizer<Space> a(Space(), kSpecs, c);
    Harness<Space> h(kSpecs);
    for (int t = 1; t <= 4; ++t) h.step(a, t);
    a.save(file("good.ckpt"));
    return read("good.ckpt");
  }
  fs::path dir_;
};
TYPED_TEST_SUITE(CoreCheckpoint, kdash::testing::TestSpaces, kdash::testing::SpaceNames);

// 7 steps, save, 8 more steps; versus a fresh optimizer loading the file and running the same 8 steps from the saved
// parameters: bitwise equal. The split at 7 is past a root computation (t = 6) and before the next (t = 9), so the
// reloaded roots, statistics, EMA, grafting and momentum states are all exercised.
TYPED_TEST(CoreCheckpoint, ReloadContinuesBitIdentically) {
  using Space = TypeParam;
  using Optimizer = kdash::Optimizer<Space>;
  for (auto mode : {kdash::StackingMode::device, kdash::StackingMode::sequential}) {
    Config c = test_config();
    c.stacking = mode;
    Optimizer a(Space(), kSpecs, c);
    Harness<Space> ha(kSpecs);
    for (int t = 1; t <= 7; ++t) ha.step(a, t);
    const std::string path = this->file("mid.ckpt");
    a.save(path);
    const auto saved_params = ha.values();
    for (int t = 8; t <= 15; ++t) ha.step(a, t);

    Optimizer b(Space(), kSpecs, c);
    b.load(path);
    EXPECT_EQ(b.step_count(), 7);
    Harness<Space> hb(kSpecs);
    hb.set(saved_params);
    for (int t = 8; t <= 15; ++t) hb.step(b, t);
    const auto x = ha.values(), y = hb.values();
    for (std::size_t p = 0; p < x.size(); ++p)
      for (std::size_t k = 0; k < x[p].size(); ++k) ASSERT_EQ(x[p][k], y[p][k]) << kSpecs[p].name << " " << k;
    EXPECT_FALSE(fs::exists(path + ".tmp"));
    const kdash::CheckpointInfo info = kdash::inspect_checkpoint(path);
    EXPECT_EQ(info.step, 7);
    EXPECT_EQ(info.params.size(), kSpecs.size());
    EXPECT_EQ(info.format_version, kdash::kCheckpointFormatVersion);
  }
}

// Blocks are keyed by name and index, not stack position: a device-mode checkpoint loads in layerwise mode, and the
// state it carries is the same (saving it again gives the same records, hence the same bytes).
TYPED_TEST(CoreCheckpoint, LoadsAcrossStackingModes) {
  using Space = TypeParam;
  using Optimizer = kdash::Optimizer<Space>;
  Config c = test_config();
  Optimizer a(Space(), kSpecs, c);
  Harness<Space> h(kSpecs);
  for (int t = 1; t <= 4; ++t) h.step(a, t);
  a.save(this->file("device.ckpt"));
  c.stacking = kdash::StackingMode::layerwise;
  Optimizer b(Space(), kSpecs, c);
  b.load(this->file("device.ckpt"));
  c.stacking = kdash::StackingMode::device;
  Optimizer d(Space(), kSpecs, c);
  d.load(this->file("device.ckpt"));
  d.save(this->file("again.ckpt"));
  EXPECT_EQ(this->read("device.ckpt"), this->read("again.ckpt"));
}

// Nor the execution space: a checkpoint saved by an optimizer on the default space loads into one on this space, and
// saving it again gives the same bytes (every record moved into this space's memory and back unchanged).
TYPED_TEST(CoreCheckpoint, LoadsAcrossExecutionSpaces) {
  using Space = TypeParam;
  const Config c = test_config();
  kdash::Optimizer<kdash::DefaultExecSpace> a(kSpecs, c);
  Harness<kdash::DefaultExecSpace> h(kSpecs);
  for (int t = 1; t <= 4; ++t) h.step(a, t);
  a.save(this->file("default.ckpt"));
  kdash::Optimizer<Space> b(Space(), kSpecs, c);
  b.load(this->file("default.ckpt"));
  EXPECT_EQ(b.step_count(), 4);
  b.save(this->file("again.ckpt"));
  EXPECT_EQ(this->read("default.ckpt"), this->read("again.ckpt"));
}

TYPED_TEST(CoreCheckpoint, BadFilesAreRejectedAndLeaveTheStateUnchanged) {
  using Space = TypeParam;
  using Optimizer = kdash::Optimizer<Space>;
  const Config c = test_config();
  Optimizer a(Space(), kSpecs, c);
  Harness<Space> h(kSpecs);
  for (int t = 1; t <= 4; ++t) h.step(a, t);
  const std::string good = this->file("good.ckpt");
  a.save(good);
  std::string bytes;
  {
    std::ifstream in(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  Optimizer b(Space(), kSpecs, c);
  Harness<Space> hb(kSpecs);
  hb.step(b, 1);  // b has its own state at step 1

  expect_error_naming<std::runtime_error>([&] { b.load(this->file("missing.ckpt")); }, "cannot open");
  expect_error_naming<std::runtime_error>([&] { b.load(this->write("short", bytes.substr(0, 10))); }, "truncated");
  expect_error_naming<std::runtime_error>([&] { b.load(this->write("cut", bytes.substr(0, bytes.size() - 100))); },
                                          "truncated");
  std::string tampered = bytes;
  tampered[bytes.size() - 17] ^= 0x40;
  expect_error_naming<std::runtime_error>([&] { b.load(this->write("tampered", tampered)); }, "checksum mismatch");
  expect_error_naming<std::runtime_error>([&] { b.load(this->write("trailing", bytes + "x")); }, "trailing");
  std::string magic = bytes;
  magic[0] = 'X';
  expect_error_naming<std::runtime_error>([&] { b.load(this->write("magic", magic)); }, "not a kdash checkpoint");
  std::string version = bytes;
  version[8] = 9;
  expect_error_naming<std::runtime_error>([&] { b.load(this->write("version", version)); }, "format version 9");
  EXPECT_EQ(b.step_count(), 1);

  // Mismatched optimizers.
  Config other = c;
  other.beta_statistics = 0.9;
  expect_error_naming<std::runtime_error>([&] { Optimizer(Space(), kSpecs, other).load(good); }, "beta_lr");
  other = c;
  other.block_size = 2;
  expect_error_naming<std::runtime_error>([&] { Optimizer(Space(), kSpecs, other).load(good); }, "block_size");
  other = c;
  other.root.usable_residual = 0.5;  // which roots are kept changes the state that follows
  expect_error_naming<std::runtime_error>([&] { Optimizer(Space(), kSpecs, other).load(good); }, "usable_residual");
  auto specs = kSpecs;
  specs[0].shape = {5, 6};
  expect_error_naming<std::runtime_error>([&] { Optimizer(Space(), specs, c).load(good); },
                                          "parameter 'w1' has shape (6, 5)");
  specs = kSpecs;
  specs[2].name = "bias2";
  expect_error_naming<std::runtime_error>([&] { Optimizer(Space(), specs, c).load(good); }, "no parameter 'bias2'");
  specs = kSpecs;
  specs.pop_back();
  expect_error_naming<std::runtime_error>([&] { Optimizer(Space(), specs, c).load(good); },
                                          "'gain', which this optimizer does not have");
  // The learning rate is a schedule value, not part of the state.
  other = c;
  other.lr = 0.5;
  EXPECT_NO_THROW(Optimizer(Space(), kSpecs, other).load(good));
  // How a GPU forms its symmetric products changes rounding, not what the state means.
  other = c;
  other.root.device_symmetric = kdash::backends::DeviceSymmetricForm::lower_triangle;
  EXPECT_NO_THROW(Optimizer(Space(), kSpecs, other).load(good));

  // Unwritable destination: a clear error, no file left behind.
  expect_error_naming<std::runtime_error>([&] { a.save(this->file("no/such/dir/x.ckpt")); }, "cannot write checkpoint");
}

// The non-finite policy keeps NaN out of the saved state.
TYPED_TEST(CoreCheckpoint, SkippedNonFiniteGradientLeavesAFiniteCheckpoint) {
  using Space = TypeParam;
  const Config c = test_config();
  kdash::Optimizer<Space> a(Space(), kSpecs, c);
  Harness<Space> h(kSpecs);
  h.step(a, 1);
  auto g = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), h.grads[0]);
  g(3) = std::numeric_limits<float>::quiet_NaN();
  Kokkos::deep_copy(h.grads[0], g);
  a.step(h.params, h.grads);
  a.save(this->file("nan.ckpt"));
  std::ifstream in(this->file("nan.ckpt"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  // Every float32 record value is finite: scan the raw payload for the NaN/Inf exponent pattern of float32 values
  // written by the optimizer, by reloading and saving nothing else: reload and step on.
  kdash::Optimizer<Space> b(Space(), kSpecs, c);
  b.load(this->file("nan.ckpt"));
  Harness<Space> hb(kSpecs);
  for (int t = 3; t <= 8; ++t) hb.step(b, t);
  for (const auto& v : hb.values())
    for (float x : v) ASSERT_TRUE(std::isfinite(x));
  EXPECT_EQ(b.metrics().skipped_block_updates, 1);
}

// ---- Hand-edited checkpoints: the layout of kdash/checkpoint.hpp, re-sealed with a valid checksum ---------------

std::uint64_t fnv1a64(const std::string& bytes, std::uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

template <class T>
T field_at(const std::string& b, std::size_t offset) {
  T v;
  std::memcpy(&v, b.data() + offset, sizeof(T));
  return v;
}
template <class T>
void set_field(std::string& b, std::size_t offset, T v) {
  std::memcpy(&b[offset], &v, sizeof(T));
}

// Rewrites the payload length and checksum after an edit: format 1 sums the payload, format 2 the 24 preamble bytes
// before the checksum and then the payload.
std::string seal(std::string b) {
  set_field<std::uint64_t>(b, 16, b.size() - 32);
  const std::uint32_t version = field_at<std::uint32_t>(b, 8);
  const std::string payload = b.substr(32);
  set_field<std::uint64_t>(b, 24, version == 1 ? fnv1a64(payload) : fnv1a64(payload, fnv1a64(b.substr(0, 24))));
  return b;
}

std::string header_text(const std::string& b) { return b.substr(40, field_at<std::uint64_t>(b, 32)); }

// The checkpoint with its JSON header replaced by `text`.
std::string with_header_text(const std::string& b, const std::string& text) {
  const auto len = field_at<std::uint64_t>(b, 32);
  std::string out = b.substr(0, 32);
  out.append(reinterpret_cast<const char*>(&len), 8);
  set_field<std::uint64_t>(out, 32, text.size());
  out += text + b.substr(40 + len);
  return seal(out);
}

// The checkpoint with its JSON header edited by `edit`.
template <class Edit>
std::string with_header(const std::string& b, Edit edit) {
  nlohmann::json h = nlohmann::json::parse(header_text(b));
  edit(h);
  return with_header_text(b, h.dump());
}

// The checkpoint with the int64 values of record `key` replaced.
std::string with_counters(std::string b, const std::string& key, const std::vector<std::int64_t>& values) {
  const std::size_t at = b.find(key);
  EXPECT_NE(at, std::string::npos) << key;
  const std::size_t rank_at = at + key.size() + 1;
  const std::size_t data_at = rank_at + 4 + 8 * field_at<std::uint32_t>(b, rank_at);
  for (std::size_t i = 0; i < values.size(); ++i) set_field<std::int64_t>(b, data_at + 8 * i, values[i]);
  return seal(b);
}

TYPED_TEST(CoreCheckpoint, OutOfRangeCountersAndReservedBytesAreRejected) {
  using Space = TypeParam;
  using Optimizer = kdash::Optimizer<Space>;
  const Config c = test_config();
  const std::string bytes = this->checkpoint_after_four_steps(c);
  // The edit helpers reproduce a valid file unchanged.
  Optimizer b(Space(), kSpecs, c);
  ASSERT_NO_THROW(b.load(this->write("resealed", with_header(bytes, [](nlohmann::json&) {}))));

  auto rejected = [&](const std::string& name, const std::string& data, const std::string& what) {
    SCOPED_TRACE(name);
    Optimizer fresh(Space(), kSpecs, c);
    expect_error_naming<std::runtime_error>([&] { fresh.load(this->write(name, data)); }, what);
    EXPECT_EQ(fresh.step_count(), 0);
  };
  // Steps: integers in [0, 2^62]; a float step is not converted.
  rejected("float_step", with_header(bytes, [](nlohmann::json& j) { j["step"] = 3.5; }), "step");
  rejected("huge_float_step", with_header(bytes, [](nlohmann::json& j) { j["step"] = 1e300; }), "step");
  rejected("max_step", with_header(bytes, [](nlohmann::json& j) { j["step"] = INT64_MAX; }), "step");
  rejected("negative_step", with_header(bytes, [](nlohmann::json& j) { j["step"] = -1; }), "step");
  rejected("root_calls", with_header(bytes, [](nlohmann::json& j) { j["root_calls"] = 2.5; }), "root_calls");
  rejected("huge_root_calls", with_header(bytes, [](nlohmann::json& j) { j["root_calls"] = UINT64_MAX; }),
           "root_calls");
  // A header nested beyond kdash::io::kMaxJsonNesting is rejected before parsing: 10^6 levels in the step field used
  // to overflow the stack when the error message showed the value (nlohmann's dump() recurses per level).
  const std::size_t deep = 1000000;
  std::string nested_step = header_text(with_header(bytes, [](nlohmann::json& j) { j["step"] = "placeholder"; }));
  nested_step.replace(nested_step.find("\"placeholder\""), 13, std::string(deep, '[') + std::string(deep, ']'));
  rejected("deep_step", with_header_text(bytes, nested_step), "malformed header: arrays or objects nested more than");
  // Failure and skip counters: 0 <= consecutive <= total <= step, 0 <= skipped <= step.
  rejected("negative_failures", with_counters(bytes, "w1#0/L_failures", {-1, 0}), "w1#0/L_failures");
  rejected("consecutive_above_total", with_counters(bytes, "w1#0/L_failures", {2, 1}), "w1#0/L_failures");
  rejected("failures_above_int", with_counters(bytes, "w1#0/L_failures", {std::int64_t(INT_MAX) + 1, INT64_MAX}),
           "w1#0/L_failures");
  rejected("total_above_step", with_counters(bytes, "w1#0/L_failures", {0, 5}), "w1#0/L_failures");
  rejected("negative_skipped", with_counters(bytes, "w1#0/skipped", {-1}), "w1#0/skipped");
  rejected("skipped_above_step", with_counters(bytes, "w1#0/skipped", {5}), "w1#0/skipped");
  // Reserved preamble bytes: zero, and covered by the checksum.
  std::string reserved = bytes;
  reserved[12] = 1;
  rejected("reserved_unsealed", reserved, "checkpoint");
  rejected("reserved_sealed", seal(reserved), "reserved");
  EXPECT_NE(field_at<std::uint32_t>(bytes, 8), 1u) << "the current format covers the preamble with the checksum";
  // A directory is named.
  fs::create_directories(this->dir_ / "a_directory");
  rejected("a_directory", "", this->file("a_directory"));
  try {
    Optimizer(Space(), kSpecs, c).load(this->file("a_directory"));
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("directory"), std::string::npos) << e.what();
  }
}

// Files of format 1 (checksum over the payload only) still load, with the same state.
TYPED_TEST(CoreCheckpoint, FormatOneFilesStillLoad) {
  using Space = TypeParam;
  using Optimizer = kdash::Optimizer<Space>;
  const Config c = test_config();
  std::string bytes = this->checkpoint_after_four_steps(c);
  set_field<std::uint32_t>(bytes, 8, 1);
  this->write("v1.ckpt", seal(bytes));
  Optimizer b(Space(), kSpecs, c);
  ASSERT_NO_THROW(b.load(this->file("v1.ckpt")));
  EXPECT_EQ(b.step_count(), 4);
  EXPECT_EQ(kdash::inspect_checkpoint(this->file("v1.ckpt")).format_version, 1u);
  b.save(this->file("resaved.ckpt"));
  Optimizer d(Space(), kSpecs, c);
  d.load(this->file("resaved.ckpt"));
  Harness<Space> hb(kSpecs), hd(kSpecs);
  for (int t = 5; t <= 7; ++t) {
    hb.step(b, t);
    hd.step(d, t);
  }
  EXPECT_EQ(hb.values(), hd.values());
}

}  // namespace
