#include <kdash/backends/vendor/syevd_args.hpp>
#include <kdash/backends/vendor/vendor_error.hpp>

#include <climits>
#include <cstdint>
#include <limits>
#include <string>

namespace kdash::backends::vendor {

void validate_syevd_args(const char* function, std::int64_t n, std::int64_t batch, const void* a, const void* w,
                         const int* info, const char* int32_library) {
  const auto bad = [function](const char* argument, const std::string& why) {
    detail::throw_invalid_argument(function, argument, why);
  };
  if (n < 0) bad("n", std::to_string(n) + " is negative");
  if (batch < 0) bad("batch", std::to_string(batch) + " is negative");
  if (int32_library != nullptr) {
    const std::string limit = std::string(" exceeds ") + int32_library + "'s 32-bit limit " + std::to_string(INT_MAX);
    if (n > INT_MAX) bad("n", std::to_string(n) + limit);
    if (batch > INT_MAX) bad("batch", std::to_string(batch) + limit);
  }
  // The stack's byte size must be addressable (8 = the widest element).
  if (n > 0 && batch > 0 && (n > std::numeric_limits<std::int64_t>::max() / 8 / n / batch)) {
    bad("batch", "batch * n * n = " + std::to_string(batch) + " * " + std::to_string(n) + "^2 overflows");
  }
  if (batch > 0 && n > 0 && a == nullptr) bad("a", "null pointer for a non-empty stack");
  if (batch > 0 && n > 0 && w == nullptr) bad("w", "null pointer for a non-empty stack");
  if (batch > 0 && info == nullptr) bad("info", "null pointer with batch " + std::to_string(batch));
}

}  // namespace kdash::backends::vendor
