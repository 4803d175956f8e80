#include <kdash/backends/vendor/lower_triangle_gemms.hpp>
#include <kdash/backends/vendor/vendor_error.hpp>

#include <cstdint>
#include <string>

namespace kdash::backends::vendor {
namespace {

const void* advance(const void* p, std::int64_t elements, DataType type) {
  if (p == nullptr) return p;
  return static_cast<const unsigned char*>(p) + elements * static_cast<std::int64_t>(size_of(type));
}

// Rows [row0, row0 + rows) and columns [col0, col0 + cols) of C = op(A) op(B), on resolved operands.
GemmArgs part(const GemmArgs& full, const ResolvedGemm& r, std::int64_t row0, std::int64_t rows, std::int64_t col0,
              std::int64_t cols) {
  GemmArgs p = full;
  p.m = rows;
  p.n = cols;
  p.lda = r.a.ld;
  p.stride_a = r.a.stride;
  p.ldb = r.b.ld;
  p.stride_b = r.b.stride;
  p.ldc = r.c.ld;
  p.stride_c = r.c.stride;
  if (full.k > 0) {  // with k == 0 neither A nor B is read (they may be null)
    // Rows of op(A): rows of A as stored, or its columns when transposed. Columns of op(B): columns of B, or its rows.
    p.a = advance(full.a, full.op_a == Op::N ? row0 * r.a.ld : row0, full.input_type);
    p.b = advance(full.b, full.op_b == Op::N ? col0 : col0 * r.b.ld, full.input_type);
  }
  p.c = const_cast<void*>(advance(full.c, row0 * r.c.ld + col0, full.output_type));
  return p;
}

}  // namespace

std::array<GemmArgs, 3> lower_triangle_gemms(const GemmArgs& full, const char* function) {
  const ResolvedGemm r = resolve_gemm_args(full, function, "the vendor BLAS");
  if (full.m != full.n) {
    detail::throw_invalid_argument(
        function, "n",
        std::to_string(full.n) + " differs from m = " + std::to_string(full.m) + ": a symmetric product is square");
  }
  const std::int64_t m = full.m, h = m / 2;
  return {part(full, r, 0, h, 0, h), part(full, r, h, m - h, h, m - h), part(full, r, h, m - h, 0, h)};
}

}  // namespace kdash::backends::vendor
