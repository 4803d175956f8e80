#include "kdash/param_spec.hpp"

#include <limits>
#include <stdexcept>

namespace kdash {

std::int64_t numel(const ParamSpec& spec) {
  std::int64_t n = 1;
  for (std::size_t d = 0; d < spec.shape.size(); ++d) {
    const std::int64_t s = spec.shape[d];
    if (s <= 0) {
      throw std::invalid_argument("parameter " + describe(spec) + ": dimension " + std::to_string(d) + " is " +
                                  std::to_string(s) + ", sizes must be >= 1");
    }
    if (n > std::numeric_limits<std::int64_t>::max() / s) {
      throw std::invalid_argument("parameter " + describe(spec) + ": too many elements");
    }
    n *= s;
  }
  return n;
}

bool is_vector(const ParamSpec& spec) { return spec.shape.size() <= 1; }

std::string describe(const ParamSpec& spec) {
  std::string s = "'" + spec.name + "' (";
  for (std::size_t d = 0; d < spec.shape.size(); ++d) {
    if (d) s += 'x';
    s += std::to_string(spec.shape[d]);
  }
  return s + (spec.shape.empty() ? "scalar)" : ")");
}

}  // namespace kdash
