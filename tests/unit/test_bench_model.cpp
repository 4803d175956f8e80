// kdash bench's model side: block decomposition (design.md §2), presets, the FLOP model (tools/bench/flop_model.hpp)
// and the JSON report's shape (design.md §8). Pure host arithmetic: every expected value is derived in the comments.
#include "bench/bench_report.hpp"
#include "bench/flop_model.hpp"
#include "bench/model_preset.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

namespace kb = kdash::tools::bench;

namespace {

// The error parse_preset_json gives for `text` read from "f.json", or "no error".
std::string message(const std::string& text, const kb::MemoryBudget& budget = {}) {
  try {
    kb::parse_preset_json(text, "f.json", budget);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(BenchBlocks, CoverEveryEntryOnceWithTheSpecOrder) {
  // 5 x 7 with B = 2: full 2x2 blocks (2 x 3 of them), right strip (2,1) x2, bottom strip (1,2) x3, corner (1,1).
  const auto blocks = kb::blocks_of({"w", {5, 7}}, 2);
  ASSERT_EQ(blocks.size(), 6u + 2u + 3u + 1u);
  std::int64_t area = 0;
  for (const auto& b : blocks) area += std::int64_t(b.rows) * b.cols;
  EXPECT_EQ(area, 35);
  EXPECT_EQ(blocks[0].rows, 2);
  EXPECT_EQ(blocks[5].cols, 2);
  EXPECT_EQ(blocks[6].cols, 1);   // right strip follows the full blocks
  EXPECT_EQ(blocks[8].rows, 1);   // then the bottom strip
  EXPECT_EQ(blocks[11].rows, 1);  // the corner last
  EXPECT_EQ(blocks[11].cols, 1);
  // A dimension smaller than B is one block; a vector is cut into segments, the last one shorter.
  EXPECT_EQ(kb::blocks_of({"w", {3, 4}}, 16).size(), 1u);
  const auto seg = kb::blocks_of({"b", {10}}, 4);
  ASSERT_EQ(seg.size(), 3u);
  EXPECT_TRUE(seg[2].one_sided());
  EXPECT_EQ(seg[2].rows, 2);
  EXPECT_THROW(kb::blocks_of({"w", {3, 4}}, 0), std::invalid_argument);
}

TEST(BenchPresets, Llama953mHasThePapersParameterCount) {
  // 16 x (4 * 2048^2 + 3 * 5632 * 2048 + 2 * 2048) + 2 * 32000 * 2048 + 2048 = 953,223,168 parameters: the "953M".
  const auto m = kb::builtin_preset("llama-953m");
  EXPECT_EQ(m.numel(), 953223168);
  EXPECT_EQ(m.params.size(), 16u * 9u + 3u);
  int one_d = 0;
  for (const auto& p : m.params) one_d += p.shape.size() == 1;
  EXPECT_EQ(one_d, 16 * 2 + 1);  // two RMSNorm gains per layer and the final norm
  EXPECT_THROW(kb::builtin_preset("nope"), std::invalid_argument);
}

TEST(BenchPresets, SmallIsTheSameArchitectureScaledDown) {
  const auto big = kb::builtin_preset("llama-953m"), small = kb::builtin_preset("small");
  EXPECT_LT(small.numel(), big.numel() / 100);
  // The same parameter list, name by name, with smaller shapes.
  std::set<std::string> names_big, names_small;
  for (const auto& p : big.params) names_big.insert(p.name.substr(p.name.rfind('.') + 1));
  for (const auto& p : small.params) names_small.insert(p.name.substr(p.name.rfind('.') + 1));
  EXPECT_EQ(names_big, names_small);
}

TEST(BenchPresets, JsonFilesDefineParamsOrALlamaShapeAndErrorsNameTheField) {
  const auto m = kb::parse_preset_json(
      R"({"name": "mine", "params": [{"name": "w", "shape": [8, 4]}, {"shape": [6]}, {"name": "conv", "shape": [4, 3, 2, 2]}]})",
      "t");
  EXPECT_EQ(m.name, "mine");
  ASSERT_EQ(m.params.size(), 3u);
  EXPECT_EQ(m.params[1].name, "param1");
  // design.md §1: rank > 2 is viewed as (shape[0], numel / shape[0]).
  EXPECT_EQ(m.params[2].shape, (std::vector<std::int64_t>{4, 12}));
  const auto l = kb::parse_preset_json(R"({"llama": {"layers": 1, "width": 4, "hidden": 8, "vocab": 16}})", "t");
  EXPECT_EQ(l.numel(), 4 * 16 + 3 * 32 + 2 * 4 + 2 * 64 + 4);
  EXPECT_NE(message(R"({"params": [{"shape": [0, 3]}]})").find("params[0].shape[0]"), std::string::npos);
  EXPECT_NE(message(R"({"llama": {"layers": 1}})").find("width"), std::string::npos);
  EXPECT_NE(message("{not json").find("not valid JSON"), std::string::npos);
  // A number beyond double is nlohmann's out_of_range, not a parse_error: it escaped as an unnamed error (exit 1).
  EXPECT_NE(message(R"({"params": [{"shape": [1e400]}]})").find("preset 'f.json': not valid JSON"), std::string::npos);
  EXPECT_NE(message(R"({"params": []})").find("non-empty"), std::string::npos);
  // Names and descriptions are strings, and a misspelt key is an error rather than ignored.
  EXPECT_NE(message(R"({"name": 5, "params": [{"shape": [4]}]})").find("preset 'f.json': \"name\" must be a string"),
            std::string::npos);
  EXPECT_NE(message(R"({"params": [{"name": [1], "shape": [4]}]})").find("params[0]: \"name\" must be a string"),
            std::string::npos);
  EXPECT_NE(message(R"({"description": {}, "params": [{"shape": [4]}]})").find("\"description\" must be a string"),
            std::string::npos);
  EXPECT_NE(message(R"({"descripton": "x", "params": [{"shape": [4]}]})").find("unknown key \"descripton\""),
            std::string::npos);
  EXPECT_NE(message(R"({"params": [{"shape": [4], "dtype": "bf16"}]})").find("params[0]: unknown key \"dtype\""),
            std::string::npos);
  EXPECT_NE(message(R"({"llama": {"layers": 1, "width": 4, "hidden": 8, "vocab": 16, "heads": 2}})")
                .find("llama: unknown key \"heads\""),
            std::string::npos);
  EXPECT_EQ(kb::parse_preset_json(
                R"({"description": "d", "llama": {"layers": 1, "width": 4, "hidden": 8, "vocab": 16}})", "t")
                .description,
            "d");
  EXPECT_THROW(kb::resolve_preset("/nonexistent/preset.json"), std::invalid_argument);
  // The optimizer's rules for names are checked here, so that the error names the file and the entry (before, the
  // calibration ran first and the optimizer's message named neither).
  EXPECT_NE(message(R"({"params": [{"name": "", "shape": [4]}]})").find("params[0]: \"name\" must not be empty"),
            std::string::npos);
  EXPECT_NE(message(R"({"params": [{"name": "w", "shape": [4]}, {"shape": [2]}, {"name": "w", "shape": [4]}]})")
                .find("params[2]: the name 'w' is already that of params[0]"),
            std::string::npos);
  EXPECT_NE(message(R"({"params": [{"shape": [4]}, {"name": "param0", "shape": [4]}]})").find("params[0]"),
            std::string::npos);
}

// Deeply nested JSON is rejected before it is parsed: a nested array where a dimension belongs used to crash the
// error message (nlohmann's dump() recurses once per level), 10^6 levels in a 2 MB file.
TEST(BenchPresets, NestingBeyondTheLimitIsAnErrorNotAStackOverflow) {
  const auto nested = [](std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  const std::string deep_dim = message(R"({"params": [{"shape": )" + nested(1000000) + "}]}");
  EXPECT_NE(deep_dim.find("preset 'f.json': arrays or objects nested more than 100 levels deep"), std::string::npos)
      << deep_dim;
  const std::string deep_name = message(R"({"name": )" + nested(1000000) + R"(, "params": [{"shape": [4]}]})");
  EXPECT_NE(deep_name.find("nested more than 100 levels deep"), std::string::npos) << deep_name;
  // At the limit (4 levels down to the shape array, then 96) the usual checks run, and their messages show the value.
  const std::string at_limit = message(R"({"params": [{"shape": [)" + nested(96) + "]}]}");
  EXPECT_NE(at_limit.find("params[0].shape[0] must be an integer from 1 to"), std::string::npos) << at_limit;
  EXPECT_NE(message(R"({"params": [{"shape": [)" + nested(97) + "]}]}").find("nested more than 100"),
            std::string::npos);
}

TEST(BenchPresets, ShapesBeyondTheirRangeOrTheMachinesMemoryAreRejectedBeforeAllocating) {
  const kb::MemoryBudget unbounded;
  const std::uint64_t gib = 1ull << 30;
  const kb::MemoryBudget one_gib{gib, gib};
  // Element counts beyond 64 bits, also through the flattening of rank > 2 (4 * 2^32 * 2^32 = 2^66).
  EXPECT_NE(message(R"({"params": [{"shape": [1000000000000, 1000000000000]}]})", unbounded).find("overflows"),
            std::string::npos);
  EXPECT_NE(
      message(R"({"params": [{"shape": [4, 4294967296, 4294967296]}]})", unbounded).find("params[0]: the element"),
      std::string::npos);
  EXPECT_NE(message(R"({"params": [{"shape": [4611686018427387904]}, {"shape": [4611686018427387904]}]})", unbounded)
                .find("overflows"),
            std::string::npos);
  EXPECT_NE(message(R"({"params": [{"shape": [18446744073709551615]}]})", unbounded).find("from 1 to"),
            std::string::npos);
  // A Llama field beyond int is an error, not a wrapped (smaller) model.
  EXPECT_NE(message(R"({"llama": {"layers": 1, "width": 4294967297, "hidden": 8, "vocab": 8}})", unbounded)
                .find("llama.width must be an integer from 1 to 2147483647"),
            std::string::npos);
  // 10^6 x 1000 fp32 parameters and gradients: 8 * 10^9 bytes = 7.5 GiB, named with the largest parameter.
  const std::string big = message(R"({"params": [{"name": "w", "shape": [1000000, 1000]}, {"shape": [7]}]})", one_gib);
  EXPECT_NE(big.find("need 7.5 GiB"), std::string::npos) << big;
  EXPECT_NE(big.find("'w' (1000000x1000)"), std::string::npos) << big;
  EXPECT_NE(big.find("1.0 GiB"), std::string::npos) << big;
  EXPECT_EQ(message(R"({"params": [{"name": "w", "shape": [1000, 1000]}]})", one_gib), "no error");
  // 2^31 - 1 layers of width 8: about 10^12 elements, rejected before the list of 2 * 10^10 parameters is built.
  const std::string layers =
      message(R"({"llama": {"layers": 2147483647, "width": 8, "hidden": 8, "vocab": 8}})", one_gib);
  EXPECT_NE(layers.find("'embed_tokens' (8x8)"), std::string::npos) << layers;
  // With room for the elements, the host still has to hold one entry per parameter.
  const std::string entries = message(R"({"llama": {"layers": 2147483647, "width": 1, "hidden": 1, "vocab": 1}})",
                                      kb::MemoryBudget{~0ull, gib});
  EXPECT_NE(entries.find("19327352826 parameters need at least"), std::string::npos) << entries;
  // The paper's model: 953,223,168 elements x 8 bytes = 7.1 GiB.
  EXPECT_THROW(kb::builtin_preset("llama-953m", {4 * gib, 4 * gib}), std::invalid_argument);
  EXPECT_EQ(kb::builtin_preset("llama-953m", {8 * gib, 8 * gib}).numel(), 953223168);
  EXPECT_EQ(kb::human_bytes(17), "17 bytes");
  EXPECT_EQ(kb::human_bytes(1536.0L * 1024 * 1024), "1.5 GiB");
}

TEST(BenchFlopModel, MatchesTheGemmCountsOfOneBlock) {
  // One 4 x 2 parameter, B = 4: one block, r = 4, c = 2.
  //   statistics 2 r^2 c + 2 r c^2 = 64 + 32 = 96 = direction;
  //   roots (CN, 10 steps, root 4: 40 GEMM-equivalents) 40 * 2 (4^3 + 2^3) = 5760.
  kb::ModelPreset m{"one", "", {{"w", {4, 2}}}};
  kb::FlopModelOptions o;
  o.block_size = 4;
  o.solver = kdash::RootMethod::coupled_newton;
  auto f = kb::step_flops(m, o);
  EXPECT_DOUBLE_EQ(f.statistics, 96);
  EXPECT_DOUBLE_EQ(f.direction, 96);
  EXPECT_DOUBLE_EQ(f.roots, 5760);
  // Amortised: roots every 10 steps cost a tenth per step; the other terms do not change.
  o.root_freq = 10;
  EXPECT_DOUBLE_EQ(kb::step_flops(m, o).roots, 576);
  EXPECT_DOUBLE_EQ(kb::step_flops(m, o).statistics, 96);
  // A 1-D segment of length 4 (one-sided, root 2: CN 3 GEMMs per step): 2*16 + 2*16 + 30 * 2 * 64.
  kb::ModelPreset v{"v", "", {{"b", {4}}}};
  o.root_freq = 1;
  f = kb::step_flops(v, o);
  EXPECT_DOUBLE_EQ(f.total(), 32 + 32 + 3840);
}

TEST(BenchFlopModel, SolverCostsFollowSpecSection3) {
  using kdash::RootMethod;
  // design.md §3: CN root 4 = 4 GEMMs per iteration; NDB root 4 = 56 GEMMs at 10 iterations; Chebyshev = d - 1.
  EXPECT_DOUBLE_EQ(kb::root_gemm_equivalents(RootMethod::coupled_newton, 4, 10, 20), 40);
  EXPECT_DOUBLE_EQ(kb::root_gemm_equivalents(RootMethod::newton_denman_beavers, 4, 10, 20), 56);
  EXPECT_DOUBLE_EQ(kb::root_gemm_equivalents(RootMethod::chebyshev, 4, 10, 20), 19);
  EXPECT_DOUBLE_EQ(kb::root_gemm_equivalents(RootMethod::chebyshev, 4, 10, 60), 59);
  // EVD: 10/3 n^3 for eigh plus one GEMM = 8/3 GEMM-equivalents, whatever the iteration knobs.
  EXPECT_DOUBLE_EQ(kb::root_gemm_equivalents(RootMethod::evd, 4, 3, 5), 8.0 / 3.0);
  EXPECT_THROW(kb::root_gemm_equivalents(RootMethod::coupled_newton, 3, 10, 20), std::invalid_argument);
}

TEST(BenchFlopModel, MeasuredIterationsReproduceTheNominalCountsAtNewtonSteps) {
  using kdash::RootMethod;
  // At the nominal iteration count the measured form must agree with the nominal one (NDB reports the total over
  // its stages: 2 x 10 for root 4); below it, the work shrinks linearly with the iterations.
  for (int p : {2, 4}) {
    EXPECT_DOUBLE_EQ(kb::root_gemm_equivalents_at(RootMethod::coupled_newton, p, 10, 20),
                     kb::root_gemm_equivalents(RootMethod::coupled_newton, p, 10, 20));
    EXPECT_DOUBLE_EQ(kb::root_gemm_equivalents_at(RootMethod::newton_denman_beavers, p, p == 4 ? 20 : 10, 20),
                     kb::root_gemm_equivalents(RootMethod::newton_denman_beavers, p, 10, 20));
    EXPECT_DOUBLE_EQ(kb::root_gemm_equivalents_at(RootMethod::chebyshev, p, 20, 20), 19);
  }
  EXPECT_DOUBLE_EQ(kb::root_gemm_equivalents_at(RootMethod::coupled_newton, 4, 6, 20), 24);
  EXPECT_DOUBLE_EQ(kb::root_gemm_equivalents_at(RootMethod::newton_denman_beavers, 4, 12, 20), 3 * 12 - 4);
  EXPECT_DOUBLE_EQ(kb::root_gemm_equivalents_at(RootMethod::newton_denman_beavers, 4, 0, 20),
                   0);  // a block that never started
}

TEST(BenchReport, JsonHasExactlyTheSpecKeysAndRoundTrips) {
  kb::BenchReport r;
  r.machine = "m";
  r.backend = "OpenMP";
  r.kokkos_version = "3.4.01";
  r.threads = 2;
  r.peak_gflops = 100;
  r.results.push_back({"cn", "sequential", 128, "fp32", 20.0, 5, 0.05, 0});
  r.results.push_back({"cn", "device", 128, "fp32", 5.0, 20, 0.2, 0});
  r.results.push_back({"cn", "device", 256, "fp32", 8.0, 20, 0.2, 0});  // no sequential at 256
  kb::compute_speedups(r.results);
  EXPECT_DOUBLE_EQ(r.results[0].speedup_vs_sequential, 1.0);
  EXPECT_DOUBLE_EQ(r.results[1].speedup_vs_sequential, 4.0);
  EXPECT_DOUBLE_EQ(r.results[2].speedup_vs_sequential, 0.0);

  const auto j = kb::to_json(r);
  std::set<std::string> keys, record_keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
  EXPECT_EQ(keys, (std::set<std::string>{"machine", "backend", "kokkos_version", "threads", "peak_gflops", "results",
                                         "blas", "blas_warnings"}));
  for (auto it = j["results"][0].begin(); it != j["results"][0].end(); ++it) record_keys.insert(it.key());
  EXPECT_EQ(record_keys, (std::set<std::string>{"solver", "mode", "block_size", "precision", "median_ms", "gflops",
                                                "peak_fraction", "speedup_vs_sequential"}));
  r.blas = "OpenBLAS 0.3.21, kernels Prescott";
  r.blas_warnings = {"slow"};
  const auto back = kb::report_from_json(kb::to_json(r));
  EXPECT_EQ(back.blas, r.blas);
  EXPECT_EQ(back.blas_warnings, r.blas_warnings);
  // The host-BLAS keys are optional: a report from another program (the peer benchmark) need not have them.
  auto without_blas = j;
  without_blas.erase("blas");
  without_blas.erase("blas_warnings");
  EXPECT_TRUE(kb::report_from_json(without_blas).blas_warnings.empty());
  ASSERT_EQ(back.results.size(), 3u);
  EXPECT_EQ(back.results[1].mode, "device");
  EXPECT_DOUBLE_EQ(back.results[1].speedup_vs_sequential, 4.0);
  auto broken = j;
  broken["results"][1].erase("gflops");
  try {
    kb::report_from_json(broken);
    FAIL() << "a record without gflops was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("results[1]: missing key \"gflops\""), std::string::npos);
  }
  // The table names every solver/mode row and block size column.
  const auto table = kb::format_table(r);
  EXPECT_NE(table.find("B=256"), std::string::npos);
  EXPECT_NE(table.find("4.00x"), std::string::npos);
}
