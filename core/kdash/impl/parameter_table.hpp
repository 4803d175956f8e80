// Internal: the caller's parameter and gradient pointers as the kernels read them. The step writes the parameters in
// place through these pointers (kdash never copies a parameter); the device table is re-uploaded only when the
// caller passes other Views than at the previous step.
#pragma once

#include <kdash/backends/execution.hpp>
#include <kdash/param_ref.hpp>

#include <string>
#include <utility>
#include <vector>

namespace kdash::impl {

// The host mirror type of a View (View::HostMirror is renamed host_mirror_type in recent Kokkos; naming the type
// through create_mirror_view works on every supported version).
template <class V>
using HostMirrorOf = decltype(Kokkos::create_mirror_view(std::declval<const V&>()));

// A device-side table entry for a raw parameter/gradient pointer (Views of pointers are not allowed).
struct DevicePointer {
  float* ptr;
};

template <class ExecSpace>
class ParameterTable {
 public:
  using Pointers = Kokkos::View<DevicePointer*, MemOf<ExecSpace>>;

  ParameterTable() = default;
  ParameterTable(const ExecSpace& exec, std::size_t count)
      : params_(Kokkos::view_alloc(exec, std::string("kdash::param_ptrs")), count),
        grads_(Kokkos::view_alloc(exec, std::string("kdash::grad_ptrs")), count),
        params_host_(Kokkos::create_mirror_view(params_)),
        grads_host_(Kokkos::create_mirror_view(grads_)) {
    for (std::size_t i = 0; i < count; ++i) params_host_(i).ptr = grads_host_(i).ptr = nullptr;
  }

  // Points the table at this step's Views (checked by the caller: one per parameter, the right sizes).
  void update(const ExecSpace& exec, const std::vector<ParamRef<float, MemOf<ExecSpace>>>& params,
              const std::vector<ParamRef<const float, MemOf<ExecSpace>>>& grads) {
    bool changed = false;
    for (std::size_t i = 0; i < params.size(); ++i) {
      float* gp = const_cast<float*>(grads[i].data());  // read only: the kernels never write a gradient
      changed = changed || params_host_(i).ptr != params[i].data() || grads_host_(i).ptr != gp;
      params_host_(i).ptr = params[i].data();
      grads_host_(i).ptr = gp;
    }
    if (changed) {
      Kokkos::deep_copy(exec, params_, params_host_);
      Kokkos::deep_copy(exec, grads_, grads_host_);
    }
  }

  const Pointers& params() const { return params_; }
  const Pointers& grads() const { return grads_; }

 private:
  Pointers params_, grads_;
  HostMirrorOf<Pointers> params_host_, grads_host_;
};

}  // namespace kdash::impl
