// The CBLAS and LAPACKE declarations of the host BLAS/LAPACK kdash links (KDASH_BLAS, cmake/KDashHostBlas.cmake):
// oneMKL ships them as mkl_cblas.h / mkl_lapacke.h, every other library as cblas.h / lapacke.h. Private to
// backends/host.
#pragma once

#if defined(KDASH_HOST_BLAS_MKL)
#include <mkl_cblas.h>
#include <mkl_lapacke.h>
#else
#include <cblas.h>
#include <lapacke.h>
#endif
