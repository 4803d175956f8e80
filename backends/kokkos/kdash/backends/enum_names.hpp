// Names of enum values for printing and parsing options: one table of (value, name) pairs per enum serves both
// directions, so the name a value prints is always one its parser accepts.
#pragma once

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

namespace kdash::detail {

template <class E, std::size_t N>
using EnumNames = std::array<std::pair<E, const char*>, N>;

// The name of `value` in `names`, or "?" when the table lacks it.
template <class E, std::size_t N>
std::string name_of(E value, const EnumNames<E, N>& names) {
  for (const auto& [e, name] : names)
    if (e == value) return name;
  return "?";
}

// The value named `text`; an unknown name throws std::invalid_argument naming `what` and listing the accepted names
// in table order.
template <class E, std::size_t N>
E parse_name(const std::string& what, const std::string& text, const EnumNames<E, N>& names) {
  std::string accepted;
  for (const auto& [e, name] : names) {
    if (text == name) return e;
    accepted += accepted.empty() ? name : std::string(", ") + name;
  }
  throw std::invalid_argument("unknown " + what + " '" + text + "' (accepted: " + accepted + ")");
}

}  // namespace kdash::detail
