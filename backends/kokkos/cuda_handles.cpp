// Per-thread vendor handles of the CUDA path (see cuda_dispatch.hpp). Empty in non-CUDA builds.
#include "kdash/backends/cuda_dispatch.hpp"

#if KDASH_BACKEND_IS_CUDA && KDASH_HAVE_CUDA_ADAPTERS

namespace kdash::backends::detail {

cuda::CublasHandle& cublas_handle() {
  thread_local cuda::CublasHandle handle;
  return handle;
}

cuda::CusolverHandle& cusolver_handle() {
  thread_local cuda::CusolverHandle handle;
  return handle;
}

}  // namespace kdash::backends::detail

#endif
