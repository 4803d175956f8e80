// The execution spaces (and scalar types) the typed tests run over: every space the library is instantiated for, so
// one build tests Serial and OpenMP (and Cuda/HIP where the build has them).
#pragma once

#include <kdash/backends/execution.hpp>

#include <gtest/gtest.h>

#include <tuple>

namespace kdash::testing {

namespace detail {
template <class Tuple>
struct GTestTypes;
template <class... Spaces>
struct GTestTypes<std::tuple<Spaces...>> {
  using type = ::testing::Types<Spaces...>;
};
}  // namespace detail

// A typed-test parameter naming an execution space and a scalar type.
template <class Space, class T>
struct SpaceAndScalar {
  using space = Space;
  using scalar = T;
};

namespace detail {
template <class Tuple>
struct WithScalars;
template <class... Spaces>
struct WithScalars<std::tuple<Spaces...>> {
  using type = ::testing::Types<SpaceAndScalar<Spaces, float>..., SpaceAndScalar<Spaces, double>...>;
};
}  // namespace detail

using TestSpaces = typename detail::GTestTypes<EnabledExecutionSpaces>::type;
using TestSpacesAndScalars = typename detail::WithScalars<EnabledExecutionSpaces>::type;

// Names typed tests by their space (and scalar): "Serial", "OpenMP_double", ...
struct SpaceNames {
  template <class Space>
  static std::string GetName(int) {
    if constexpr (has_scalar<Space>(0)) {
      return std::string(Space::space::name()) + (std::is_same_v<typename Space::scalar, float> ? "_float" : "_double");
    } else {
      return Space::name();
    }
  }

 private:
  template <class S>
  static constexpr bool has_scalar(decltype(sizeof(typename S::scalar))) {
    return true;
  }
  template <class S>
  static constexpr bool has_scalar(...) {
    return false;
  }
};

}  // namespace kdash::testing
