// The three GEMMs of a symmetric product's lower block triangle (backends/vendor/lower_triangle_gemms.hpp), checked
// on the host: a plain strided-batched GEMM over GemmArgs (the contract the cuBLAS and rocBLAS adapters implement)
// runs the full product and the three parts; every entry of the lower block triangle must come out with the same bits
// (the same dot product in the same order), the upper-right block and the padding must keep their values, and the
// parts' pointers must advance by each operand's own element size.
#include <kdash/backends/vendor/lower_triangle_gemms.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using kdash::backends::vendor::DataType;
using kdash::backends::vendor::GemmArgs;
using kdash::backends::vendor::kPacked;
using kdash::backends::vendor::lower_triangle_gemms;
using kdash::backends::vendor::Op;
using kdash::backends::vendor::resolve_gemm_args;

// C[b] = alpha op(A[b]) op(B[b]) + beta C[b] for f32 operands, entry by entry (row-major, as GemmArgs describes).
void reference_gemm(const GemmArgs& g) {
  const auto r = resolve_gemm_args(g, "reference_gemm", "the test");
  const auto* a = static_cast<const float*>(r.a.data);
  const auto* b = static_cast<const float*>(r.b.data);
  auto* c = static_cast<float*>(g.c);
  for (std::int64_t blk = 0; blk < g.batch; ++blk)
    for (std::int64_t i = 0; i < g.m; ++i)
      for (std::int64_t j = 0; j < g.n; ++j) {
        float sum = 0.0f;
        for (std::int64_t l = 0; l < g.k; ++l) {
          const float x = g.op_a == Op::N ? a[blk * r.a.stride + i * r.a.ld + l] : a[blk * r.a.stride + l * r.a.ld + i];
          const float y = g.op_b == Op::N ? b[blk * r.b.stride + l * r.b.ld + j] : b[blk * r.b.stride + j * r.b.ld + l];
          sum += x * y;
        }
        float& out = c[blk * r.c.stride + i * r.c.ld + j];
        out = static_cast<float>(g.alpha) * sum + static_cast<float>(g.beta) * out;
      }
}

std::vector<float> random_values(std::size_t count, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& x : v) x = dist(gen);
  return v;
}

struct Layout {
  std::int64_t pad_ld;      // added to every leading dimension (0: packed)
  std::int64_t pad_stride;  // added to every batch stride
};

// Full product against its three parts for one shape, ops and layout. The operands need not make C symmetric: the
// parts must reproduce the lower block triangle of whatever the full GEMM computes.
void check_parts(Op op_a, Op op_b, std::int64_t m, std::int64_t k, Layout layout) {
  SCOPED_TRACE("op_a " + std::string(op_a == Op::N ? "N" : "T") + ", op_b " + (op_b == Op::N ? "N" : "T") + ", m " +
               std::to_string(m) + ", k " + std::to_string(k) + ", padding " + std::to_string(layout.pad_ld));
  const std::int64_t batch = 3;
  const std::int64_t a_rows = op_a == Op::N ? m : k, a_cols = op_a == Op::N ? k : m;
  const std::int64_t b_rows = op_b == Op::N ? k : m, b_cols = op_b == Op::N ? m : k;
  GemmArgs g;
  g.op_a = op_a;
  g.op_b = op_b;
  g.batch = batch;
  g.m = g.n = m;
  g.k = k;
  g.alpha = 0.75;
  g.beta = -0.5;
  const bool packed = layout.pad_ld == 0 && layout.pad_stride == 0;
  const std::int64_t lda = a_cols + layout.pad_ld, ldb = b_cols + layout.pad_ld, ldc = m + layout.pad_ld;
  const std::int64_t sa = a_rows * lda + layout.pad_stride, sb = b_rows * ldb + layout.pad_stride,
                     sc = m * ldc + layout.pad_stride;
  if (!packed) {
    g.lda = lda;
    g.ldb = ldb;
    g.ldc = ldc;
    g.stride_a = sa;
    g.stride_b = sb;
    g.stride_c = sc;
  }
  const auto a = random_values(std::size_t(batch * sa), 1), b = random_values(std::size_t(batch * sb), 2);
  const auto c0 = random_values(std::size_t(batch * sc), 3);
  g.a = a.data();
  g.b = b.data();

  auto full = c0;
  g.c = full.data();
  reference_gemm(g);
  auto by_parts = c0;
  g.c = by_parts.data();
  const auto parts = lower_triangle_gemms(g, "check_parts");
  for (const GemmArgs& p : parts) reference_gemm(p);

  const std::int64_t h = m / 2;
  for (std::int64_t blk = 0; blk < batch; ++blk)
    for (std::int64_t e = 0; e < sc; ++e) {
      const std::int64_t i = e / ldc, j = e % ldc;
      const std::size_t at = std::size_t(blk * sc + e);
      if (i < m && j < m && !(i < h && j >= h)) {
        ASSERT_EQ(by_parts[at], full[at]) << "block " << blk << ", C(" << i << ", " << j << ")";
      } else {
        ASSERT_EQ(by_parts[at], c0[at]) << "block " << blk << ", entry " << e << " (upper-right block or padding)";
      }
    }
}

TEST(LowerTriangleGemms, PartsGiveTheFullProductsBitsOnTheLowerBlockTriangle) {
  for (Op op_a : {Op::N, Op::T})
    for (Op op_b : {Op::N, Op::T})
      for (std::int64_t m : {1, 2, 5, 8, 13})
        for (std::int64_t k : {1, 4, 7})
          for (Layout layout : {Layout{0, 0}, Layout{3, 5}}) check_parts(op_a, op_b, m, k, layout);
}

TEST(LowerTriangleGemms, PartsAreTheQuadrantsWithExplicitLayouts) {
  GemmArgs g;
  g.batch = 2;
  g.m = g.n = 7;
  g.k = 5;
  g.input_type = DataType::f16;  // 2-byte inputs, 4-byte output: each pointer moves by its own element size
  g.output_type = DataType::f32;
  std::vector<unsigned char> a(2 * 7 * 5 * 2), b(2 * 5 * 7 * 2), c(2 * 7 * 7 * 4);
  g.a = a.data();
  g.b = b.data();
  g.c = c.data();
  const auto parts = lower_triangle_gemms(g, "test");
  const std::int64_t rows[3] = {3, 4, 4}, cols[3] = {3, 4, 3};
  const std::int64_t a_off[3] = {0, 3 * 5 * 2, 3 * 5 * 2}, b_off[3] = {0, 3 * 2, 0};
  const std::int64_t c_off[3] = {0, (3 * 7 + 3) * 4, 3 * 7 * 4};
  for (int p = 0; p < 3; ++p) {
    SCOPED_TRACE("part " + std::to_string(p));
    EXPECT_EQ(parts[p].m, rows[p]);
    EXPECT_EQ(parts[p].n, cols[p]);
    EXPECT_EQ(parts[p].k, 5);
    EXPECT_EQ(parts[p].batch, 2);
    EXPECT_EQ(static_cast<const unsigned char*>(parts[p].a) - a.data(), a_off[p]);
    EXPECT_EQ(static_cast<const unsigned char*>(parts[p].b) - b.data(), b_off[p]);
    EXPECT_EQ(static_cast<unsigned char*>(parts[p].c) - c.data(), c_off[p]);
    EXPECT_EQ(parts[p].lda, 5);
    EXPECT_EQ(parts[p].ldb, 7);
    EXPECT_EQ(parts[p].ldc, 7);
    EXPECT_EQ(parts[p].stride_a, 35);
    EXPECT_EQ(parts[p].stride_b, 35);
    EXPECT_EQ(parts[p].stride_c, 49);
    EXPECT_NO_THROW(resolve_gemm_args(parts[p], "test", "the test"));
  }
}

// C = A A^T for `batch` packed blocks, A m x k (a holds A, c holds C).
GemmArgs rank_k_args(std::int64_t batch, std::int64_t m, std::int64_t k, const float* a, float* c) {
  GemmArgs g;
  g.op_b = Op::T;
  g.batch = batch;
  g.m = g.n = m;
  g.k = k;
  g.a = g.b = a;
  g.c = c;
  return g;
}

TEST(LowerTriangleGemms, BroadcastOperandsAndEmptyInnerDimensionStayValid) {
  std::vector<float> a(4 * 3), c(2 * 4 * 4);
  GemmArgs g = rank_k_args(2, 4, 3, a.data(), c.data());
  g.stride_a = g.stride_b = 0;  // one A for every block: C = A A^T twice
  for (const GemmArgs& p : lower_triangle_gemms(g, "test")) {
    EXPECT_EQ(p.stride_a, 0);
    EXPECT_EQ(p.stride_b, 0);
  }
  g.k = 0;  // C = beta C: A and B are never read and may be null
  g.a = g.b = nullptr;
  g.stride_a = g.stride_b = kPacked;
  for (const GemmArgs& p : lower_triangle_gemms(g, "test")) {
    EXPECT_EQ(p.a, nullptr);
    EXPECT_EQ(p.b, nullptr);
    EXPECT_NO_THROW(resolve_gemm_args(p, "test", "the test"));
  }
}

void expect_names(const GemmArgs& g, const std::string& argument) {
  try {
    lower_triangle_gemms(g, "kdash::test_caller");
    ADD_FAILURE() << "no exception; expected one naming '" << argument << "'";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'" + argument + "'"), std::string::npos) << what;
    EXPECT_NE(what.find("kdash::test_caller"), std::string::npos) << what;
  }
}

TEST(LowerTriangleGemms, ANonSquareOrInvalidProductIsRefusedByName) {
  std::vector<float> a(6 * 5), c(6 * 6);
  const GemmArgs g = rank_k_args(1, 6, 5, a.data(), c.data());
  EXPECT_NO_THROW(lower_triangle_gemms(g, "test"));
  GemmArgs wide = g;
  wide.n = 5;
  expect_names(wide, "n");
  GemmArgs short_ld = g;
  short_ld.lda = 4;  // A is 6 x 5 as stored
  expect_names(short_ld, "lda");
  GemmArgs no_c = g;
  no_c.c = nullptr;
  expect_names(no_c, "c");
}

}  // namespace
