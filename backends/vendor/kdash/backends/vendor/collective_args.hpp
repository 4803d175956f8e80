// Host-side validation of the collectives' arguments, shared by the NCCL and RCCL communicators (RCCL implements
// NCCL's API, so both take the same arguments). `function` is the communicator's public function the messages name.
#pragma once

#include <kdash/backends/vendor/data_type.hpp>

#include <cstddef>

namespace kdash::backends::vendor {

// Throws std::invalid_argument for size < 1 or rank outside [0, size).
void validate_communicator_rank(const char* function, int rank, int size);

// All-gather of count_per_rank elements from each of `group_size` ranks (0, an empty communicator's size, counts as
// 1): throws std::invalid_argument naming count_per_rank when the gathered byte count overflows, type when it is not
// a DataType value, send or recv when null with elements to move.
void validate_all_gather_args(const char* function, const void* send, const void* recv, std::size_t count_per_rank,
                              int group_size, DataType type);

// All-reduce of `count` elements: the same checks, naming count.
void validate_all_reduce_args(const char* function, const void* send, const void* recv, std::size_t count,
                              DataType type);

// Throws std::logic_error when the communicator is `empty` (default-constructed or moved from). Called after the
// argument checks, so that bad arguments are reported the same way on an empty communicator.
void require_communicator(const char* function, bool empty);

}  // namespace kdash::backends::vendor
