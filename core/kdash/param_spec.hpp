// A parameter the optimizer updates: a name (unique; used in checkpoints, metrics, error messages and replay file
// names) and a shape. Rank 2 is a matrix; rank > 2 is viewed as (shape[0], numel / shape[0]) (design.md §1); rank 1 and
// rank 0 are vectors. Values live in one flat row-major View of numel floats.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kdash {

struct ParamSpec {
  std::string name;
  std::vector<std::int64_t> shape;
};

// Number of elements (1 for rank 0). Throws std::invalid_argument naming the parameter for a size <= 0.
std::int64_t numel(const ParamSpec& spec);
// True for rank 0 and rank 1: the 1-D path (AdamW or one-sided Shampoo).
bool is_vector(const ParamSpec& spec);
// "name (3x4x5)" for messages.
std::string describe(const ParamSpec& spec);

}  // namespace kdash
