// What Optimizer::step accepts for one parameter or gradient: a contiguous View of floats in the optimizer's memory
// space, either rank 1 (numel values, row-major) or rank 2 LayoutRight (the parameter's matrix, rows x cols). Built
// implicitly from such a View without a copy; any other layout or memory space is a compile-time error, a
// non-contiguous rank-1 View an error at the step (naming the parameter).
#pragma once

#include <Kokkos_Core.hpp>

#include <cstddef>
#include <type_traits>

namespace kdash {

template <class T, class MemorySpace>
class ParamRef {
 public:
  ParamRef() = default;

  // A rank-1 View of T (or of non-const T when T is const), any contiguous layout.
  template <class U, class... Props,
            std::enable_if_t<std::is_same_v<std::remove_const_t<T>, std::remove_const_t<U>> &&
                                 (std::is_const_v<T> || !std::is_const_v<U>),
                             int> = 0>
  ParamRef(const Kokkos::View<U*, Props...>& v)  // NOLINT(google-explicit-constructor): a View is a parameter
      : data_(v.data()), size_(v.size()), rows_(v.extent(0)), cols_(1), rank_(1), contiguous_(v.span_is_contiguous()) {
    check_space<Kokkos::View<U*, Props...>>();
  }

  // A rank-2 row-major View: the parameter's matrix.
  template <class U, class... Props,
            std::enable_if_t<std::is_same_v<std::remove_const_t<T>, std::remove_const_t<U>> &&
                                 (std::is_const_v<T> || !std::is_const_v<U>),
                             int> = 0>
  ParamRef(const Kokkos::View<U**, Props...>& v)  // NOLINT(google-explicit-constructor)
      : data_(v.data()), size_(v.size()), rows_(v.extent(0)), cols_(v.extent(1)), rank_(2), contiguous_(true) {
    check_space<Kokkos::View<U**, Props...>>();
    static_assert(std::is_same_v<typename Kokkos::View<U**, Props...>::array_layout, Kokkos::LayoutRight>,
                  "kdash: a rank-2 parameter or gradient View must be LayoutRight (row-major, as the parameter's "
                  "matrix); use Kokkos::View<float**, Kokkos::LayoutRight, ...> or pass a rank-1 View");
  }

  T* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  int rank() const { return rank_; }
  bool contiguous() const { return contiguous_; }

 private:
  template <class V>
  static constexpr void check_space() {
    static_assert(std::is_same_v<typename V::memory_space, MemorySpace>,
                  "kdash: a parameter or gradient View must live in the optimizer's memory space "
                  "(Optimizer<Space>::memory_space); kdash never copies parameters between memory spaces");
  }

  T* data_ = nullptr;
  std::size_t size_ = 0, rows_ = 0, cols_ = 0;
  int rank_ = 1;
  bool contiguous_ = true;
};

}  // namespace kdash
