#include <kdash/backends/vendor/collective_args.hpp>
#include <kdash/backends/vendor/vendor_error.hpp>

#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>

namespace kdash::backends::vendor {
namespace {

// Checks what every collective needs; `elements` is the largest buffer's element count.
void validate_buffers(const char* function, const void* send, const void* recv, std::size_t count, std::size_t elements,
                      DataType type) {
  if (size_of(type) == 0) detail::throw_invalid_argument(function, "type", "not a DataType value");
  if (count > 0 && send == nullptr) {
    detail::throw_invalid_argument(function, "send", "null pointer with " + std::to_string(count) + " elements");
  }
  if (count > 0 && recv == nullptr) {
    detail::throw_invalid_argument(function, "recv", "null pointer with " + std::to_string(elements) + " elements");
  }
}

}  // namespace

void validate_communicator_rank(const char* function, int rank, int size) {
  if (size < 1) detail::throw_invalid_argument(function, "size", std::to_string(size) + " < 1");
  if (rank < 0 || rank >= size) {
    detail::throw_invalid_argument(function, "rank",
                                   std::to_string(rank) + " is outside [0, " + std::to_string(size) + ")");
  }
}

void validate_all_gather_args(const char* function, const void* send, const void* recv, std::size_t count_per_rank,
                              int group_size, DataType type) {
  const std::size_t ranks = group_size > 0 ? static_cast<std::size_t>(group_size) : 1;
  // The gathered buffer's byte size must be addressable (8 = the widest element).
  if (count_per_rank > std::numeric_limits<std::size_t>::max() / 8 / ranks) {
    detail::throw_invalid_argument(function, "count_per_rank",
                                   std::to_string(count_per_rank) + " times the group size overflows");
  }
  validate_buffers(function, send, recv, count_per_rank, count_per_rank * ranks, type);
}

void validate_all_reduce_args(const char* function, const void* send, const void* recv, std::size_t count,
                              DataType type) {
  if (count > std::numeric_limits<std::size_t>::max() / 8) {
    detail::throw_invalid_argument(function, "count", std::to_string(count) + " elements overflow the address range");
  }
  validate_buffers(function, send, recv, count, count, type);
}

void require_communicator(const char* function, bool empty) {
  if (empty) {
    throw std::logic_error(std::string(function) + ": the communicator is empty (default-constructed or moved from)");
  }
}

}  // namespace kdash::backends::vendor
