#include <kdash/backends/vendor/gemm_args.hpp>
#include <kdash/backends/vendor/vendor_error.hpp>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <limits>
#include <string>

namespace kdash::backends::vendor {
namespace {

// The adapter whose arguments are checked: named in every message.
struct Checker {
  const char* function;
  const char* library;

  [[noreturn]] void bad(const char* argument, const std::string& why) const {
    detail::throw_invalid_argument(function, argument, why);
  }

  // cuBLAS and rocBLAS take sizes, leading dimensions and the batch count as 32-bit ints.
  void check_int32(const char* name, std::int64_t value) const {
    if (value > INT_MAX) {
      bad(name, std::to_string(value) + " exceeds " + library + "'s 32-bit limit " + std::to_string(INT_MAX));
    }
  }

  void check_dimension(const char* name, std::int64_t value) const {
    if (value < 0) bad(name, std::to_string(value) + " is negative");
    check_int32(name, value);
  }

  // Validates one operand and returns it with kPacked resolved. `broadcast_ok`: a stride of 0 (one matrix reused for
  // every batch entry) is allowed for the inputs, never for the output.
  GemmOperand resolve_operand(const char* matrix, const void* data, std::int64_t rows, std::int64_t cols,
                              std::int64_t ld, std::int64_t stride, std::int64_t batch, bool broadcast_ok,
                              const char* data_name, const char* ld_name, const char* stride_name) const;

  void check_types(const GemmArgs& args) const;
};

bool is_op(Op op) { return op == Op::N || op == Op::T; }

bool is_data_type(DataType t) { return size_of(t) != 0; }

// Elements one matrix spans: the last row starts at (rows - 1) * ld and holds cols elements.
std::int64_t footprint(std::int64_t rows, std::int64_t cols, std::int64_t ld) {
  return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols;
}

GemmOperand Checker::resolve_operand(const char* matrix, const void* data, std::int64_t rows, std::int64_t cols,
                                     std::int64_t ld, std::int64_t stride, std::int64_t batch, bool broadcast_ok,
                                     const char* data_name, const char* ld_name, const char* stride_name) const {
  const std::int64_t min_ld = std::max<std::int64_t>(1, cols);
  if (ld == kPacked) ld = min_ld;
  if (ld < min_ld) {
    bad(ld_name, std::to_string(ld) + " < " + std::to_string(min_ld) + ", the number of columns of " + matrix +
                     " as stored (row-major, " + std::to_string(rows) + " x " + std::to_string(cols) + ")");
  }
  check_int32(ld_name, ld);
  const std::int64_t span = footprint(rows, cols, ld);
  if (stride == kPacked) stride = rows * ld;
  if (stride < 0) bad(stride_name, std::to_string(stride) + " is negative");
  if (batch > 1 && stride < span && !(broadcast_ok && stride == 0)) {
    bad(stride_name, std::to_string(stride) + " < " + std::to_string(span) + ", the elements one " + matrix +
                         " matrix spans ((rows - 1) * ld + cols)" +
                         (broadcast_ok ? "; use 0 to reuse one matrix for every batch entry" : ""));
  }
  // The last matrix must stay addressable in bytes (8 = the widest element).
  if (batch > 1 && stride > 0 && stride > (std::numeric_limits<std::int64_t>::max() / 8 - span) / (batch - 1)) {
    bad(stride_name, std::to_string(stride) + " times batch - 1 overflows the address range");
  }
  if (data == nullptr && batch > 0 && span > 0) {
    bad(data_name, std::string("null pointer for a non-empty ") + matrix + " (" + std::to_string(rows) + " x " +
                       std::to_string(cols) + " x batch " + std::to_string(batch) + ")");
  }
  return GemmOperand{data, rows, cols, ld, stride};
}

void Checker::check_types(const GemmArgs& args) const {
  if (!is_data_type(args.input_type)) bad("input_type", "not a DataType value");
  if (!is_data_type(args.output_type)) bad("output_type", "not a DataType value");
  const DataType in = args.input_type;
  const DataType out = args.output_type;
  const bool supported = (in == DataType::f32 && out == DataType::f32) ||
                         (in == DataType::f64 && out == DataType::f64) ||
                         ((in == DataType::f16 || in == DataType::bf16) && (out == DataType::f32 || out == in));
  if (!supported) {
    bad("output_type", std::string(to_string(out)) + " output with " + to_string(in) +
                           " inputs is not supported (f32->f32, f64->f64, f16/bf16->f32 or the same 16-bit type)");
  }
  if (args.allow_tf32 && in != DataType::f32) {
    bad("allow_tf32", std::string("TF32 applies to f32 inputs only, not ") + to_string(in));
  }
}

}  // namespace

ResolvedGemm resolve_gemm_args(const GemmArgs& args, const char* function, const char* library) {
  const Checker check{function, library};
  if (!is_op(args.op_a)) check.bad("op_a", "not an Op value");
  if (!is_op(args.op_b)) check.bad("op_b", "not an Op value");
  check.check_dimension("batch", args.batch);
  check.check_dimension("m", args.m);
  check.check_dimension("n", args.n);
  check.check_dimension("k", args.k);
  check.check_types(args);
  const bool ta = args.op_a == Op::T;
  const bool tb = args.op_b == Op::T;
  ResolvedGemm r{check.resolve_operand("A", args.a, ta ? args.k : args.m, ta ? args.m : args.k, args.lda, args.stride_a,
                                       args.batch, true, "a", "lda", "stride_a"),
                 check.resolve_operand("B", args.b, tb ? args.n : args.k, tb ? args.k : args.n, args.ldb, args.stride_b,
                                       args.batch, true, "b", "ldb", "stride_b"),
                 check.resolve_operand("C", args.c, args.m, args.n, args.ldc, args.stride_c, args.batch, false, "c",
                                       "ldc", "stride_c")};
  if (args.k == 0) r.a.data = r.b.data = args.c;
  return r;
}

}  // namespace kdash::backends::vendor
