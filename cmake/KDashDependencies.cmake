# Finds every dependency of kdash and sets:
#   KDASH_KOKKOS_TARGETS   targets giving Kokkos + Kokkos Kernels (standalone or Debian/Trilinos-style installs)
#   KDASH_LAPACK_TARGETS   BLAS + LAPACK + CBLAS/LAPACKE for the host backend (KDASH_BLAS)
#   KDASH_KOKKOS_SPACES    the execution spaces the found Kokkos enables (serial, openmp, threads, cuda, hip):
#                          kdash is instantiated for every one of them; KDASH_REQUIRED_SPACES is checked against it
#   KDASH_DEVICE_SPACE     cuda, hip, or empty: the device space of this Kokkos (at most one)
#   KDASH_BUILD_CUDA_ADAPTERS, KDASH_HAVE_NCCL

# Where scripts/bootstrap.sh puts what it builds or downloads (KDASH_DEPS, default <repo>/.deps).
if(DEFINED ENV{KDASH_DEPS})
  set(KDASH_DEPS_DIR $ENV{KDASH_DEPS})
else()
  set(KDASH_DEPS_DIR ${PROJECT_SOURCE_DIR}/.deps)
endif()
# Default Kokkos location: the prefix scripts/bootstrap.sh installs into.
if(NOT Kokkos_ROOT AND NOT DEFINED ENV{Kokkos_ROOT} AND EXISTS ${KDASH_DEPS_DIR}/install/lib/cmake/Kokkos)
  set(Kokkos_ROOT ${KDASH_DEPS_DIR}/install)
endif()
if(Kokkos_ROOT AND NOT KokkosKernels_ROOT)
  set(KokkosKernels_ROOT ${Kokkos_ROOT})
endif()
if(POLICY CMP0074)
  cmake_policy(SET CMP0074 NEW)
endif()

find_package(Kokkos REQUIRED)
find_package(KokkosKernels REQUIRED)

if(TARGET Kokkos::kokkos AND TARGET Kokkos::kokkoskernels)
  set(KDASH_KOKKOS_TARGETS Kokkos::kokkos Kokkos::kokkoskernels)
  get_target_property(_kdash_kokkos_includes Kokkos::kokkos INTERFACE_INCLUDE_DIRECTORIES)
else()
  # Debian's libtrilinos-kokkos*-dev: Trilinos-style package config, targets trilinos_*, includes in variables.
  add_library(kdash_kokkos_trilinos INTERFACE)
  target_include_directories(kdash_kokkos_trilinos INTERFACE ${Kokkos_INCLUDE_DIRS} ${KokkosKernels_INCLUDE_DIRS})
  target_link_libraries(kdash_kokkos_trilinos INTERFACE ${KokkosKernels_LIBRARIES} ${Kokkos_LIBRARIES}
                                                        ${KokkosKernels_TPL_LIBRARIES} ${Kokkos_TPL_LIBRARIES})
  set(KDASH_KOKKOS_TARGETS kdash_kokkos_trilinos)
  set(_kdash_kokkos_includes ${Kokkos_INCLUDE_DIRS})
endif()

# Which execution spaces does this Kokkos enable? Read its generated config header: the same for every install style.
set(_kdash_kokkos_config_h "")
foreach(dir ${_kdash_kokkos_includes})
  string(REGEX REPLACE "^\\$<BUILD_INTERFACE:(.*)>$" "\\1" dir "${dir}")
  string(REGEX REPLACE "^\\$<INSTALL_INTERFACE:.*>$" "" dir "${dir}")
  if(dir AND EXISTS ${dir}/KokkosCore_config.h)
    set(_kdash_kokkos_config_h ${dir}/KokkosCore_config.h)
    break()
  endif()
endforeach()
if(NOT _kdash_kokkos_config_h)
  message(FATAL_ERROR "kdash: found Kokkos (${Kokkos_DIR}) but not its KokkosCore_config.h in: ${_kdash_kokkos_includes}")
endif()
file(STRINGS ${_kdash_kokkos_config_h} _kdash_kokkos_defs REGEX "^#define KOKKOS_(ENABLE_(SERIAL|OPENMP|CUDA|HIP|THREADS)|VERSION)( |$)")
set(KDASH_KOKKOS_SPACES "")
foreach(space SERIAL OPENMP THREADS CUDA HIP)
  if(_kdash_kokkos_defs MATCHES "KOKKOS_ENABLE_${space}")
    string(TOLOWER ${space} _s)
    list(APPEND KDASH_KOKKOS_SPACES ${_s})
  endif()
endforeach()
string(REGEX MATCH "KOKKOS_VERSION ([0-9]+)" _m "${_kdash_kokkos_defs}")
set(KDASH_KOKKOS_VERSION ${CMAKE_MATCH_1})

set(KDASH_DEVICE_SPACE "")
foreach(space cuda hip)
  if(space IN_LIST KDASH_KOKKOS_SPACES)
    set(KDASH_DEVICE_SPACE ${space})
  endif()
endforeach()
# The former single-backend choice is now a requirement: -DKDASH_BACKEND=cuda still means "this build must have CUDA".
if(KDASH_BACKEND AND NOT KDASH_REQUIRED_SPACES)
  message(DEPRECATION "kdash: KDASH_BACKEND is replaced by KDASH_REQUIRED_SPACES (kdash builds for every space its "
                      "Kokkos enables); taking KDASH_REQUIRED_SPACES=${KDASH_BACKEND}")
  set(KDASH_REQUIRED_SPACES ${KDASH_BACKEND})
endif()
foreach(space ${KDASH_REQUIRED_SPACES})
  string(TOLOWER "${space}" space)
  if(NOT space MATCHES "^(serial|openmp|threads|cuda|hip)$")
    message(FATAL_ERROR "kdash: KDASH_REQUIRED_SPACES names '${space}', not one of serial, openmp, threads, cuda, hip")
  endif()
  if(NOT space IN_LIST KDASH_KOKKOS_SPACES)
    string(TOUPPER ${space} _kdash_space_upper)
    message(FATAL_ERROR "kdash: KDASH_REQUIRED_SPACES requires ${space}, but the Kokkos found at ${Kokkos_DIR} "
      "(version ${KDASH_KOKKOS_VERSION}) enables only: ${KDASH_KOKKOS_SPACES}.\n"
      "Point Kokkos_ROOT (and KokkosKernels_ROOT) at a Kokkos built with Kokkos_ENABLE_${_kdash_space_upper}=ON "
      "(for CUDA 13: Kokkos >= 4.7.01, see docs/building.md).")
  endif()
endforeach()
message(STATUS "kdash: Kokkos ${KDASH_KOKKOS_VERSION} at ${Kokkos_DIR}; kdash is built for ${KDASH_KOKKOS_SPACES}")

# Host BLAS/LAPACK (always: host-side validation, fp64 fallbacks, host backends). KDASH_BLAS=auto takes the library
# scripts/bootstrap.sh chose for this machine (KDASH_DEPS/host-blas: measured, see scripts/choose-host-blas.sh); without
# that record oneMKL when it is in KDASH_DEPS, else OpenBLAS (cmake/KDashHostBlas.cmake).
set(KDASH_BLAS "auto" CACHE STRING
    "Host BLAS/LAPACK: auto (the bootstrap's choice in KDASH_DEPS), mkl, openblas, blis, or a CMake BLA_VENDOR")
# Cached, so that a later re-run of CMake from an environment without KDASH_DEPS keeps the library.
set(KDASH_MKL_DIR ${KDASH_DEPS_DIR}/mkl CACHE PATH "oneMKL as scripts/bootstrap.sh installs it (KDASH_BLAS=auto|mkl)")
set(KDASH_HOST_BLAS_RECORD ${KDASH_DEPS_DIR}/host-blas CACHE FILEPATH
    "The host BLAS/LAPACK scripts/bootstrap.sh chose (KDASH_BLAS=auto)")
set(KDASH_BLAS_RESOLVED ${KDASH_BLAS})
set(_kdash_blas_how "KDASH_BLAS=${KDASH_BLAS}")
set(_kdash_recorded_blas "")
if(EXISTS ${KDASH_HOST_BLAS_RECORD})
  file(STRINGS ${KDASH_HOST_BLAS_RECORD} _kdash_recorded_blas REGEX "^library=" LIMIT_COUNT 1)
  string(REPLACE "library=" "" _kdash_recorded_blas "${_kdash_recorded_blas}")
endif()
if(KDASH_BLAS STREQUAL "auto")
  if(_kdash_recorded_blas MATCHES "^(mkl|openblas)$")
    set(KDASH_BLAS_RESOLVED ${_kdash_recorded_blas})
    set(_kdash_blas_how "KDASH_BLAS=auto: recorded in ${KDASH_HOST_BLAS_RECORD}")
  elseif(NOT _kdash_recorded_blas STREQUAL "")
    message(FATAL_ERROR "kdash: ${KDASH_HOST_BLAS_RECORD} names the host BLAS '${_kdash_recorded_blas}'; expected "
                        "mkl or openblas (rerun scripts/bootstrap.sh, or set KDASH_BLAS)")
  elseif(EXISTS ${KDASH_MKL_DIR}/.kdash-mkl-ok)
    set(KDASH_BLAS_RESOLVED mkl)
  else()
    set(KDASH_BLAS_RESOLVED openblas)
  endif()
endif()
include(KDashHostBlas)
kdash_find_host_blas(${KDASH_BLAS_RESOLVED} ${KDASH_MKL_DIR})
install(TARGETS kdash_host_blas EXPORT KDashTargets)
install(FILES ${PROJECT_SOURCE_DIR}/cmake/KDashHostBlas.cmake DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/KDash)
set(KDASH_LAPACK_TARGETS kdash_host_blas)
set(KDASH_BLAS_NAME ${KDASH_HOST_BLAS_LIBRARY})
if(KDASH_HOST_BLAS_MKL)
  # Installed binaries keep finding oneMKL where it was found (install strips the build tree's RPATH).
  get_target_property(_kdash_mkl_core MKL::mkl_core IMPORTED_LOCATION)
  get_filename_component(_kdash_mkl_lib_dir "${_kdash_mkl_core}" DIRECTORY)
  list(APPEND CMAKE_INSTALL_RPATH ${_kdash_mkl_lib_dir})
endif()
message(STATUS "kdash: host BLAS/LAPACK ${KDASH_BLAS_RESOLVED} (${_kdash_blas_how}): ${KDASH_HOST_BLAS_LIBRARY}")

find_package(nlohmann_json 3 REQUIRED)

if(KDASH_ENABLE_MPI)
  find_package(MPI REQUIRED COMPONENTS CXX)
endif()

# CUDA toolkit: the vendor adapters are plain host code and build whenever the toolkit is there, except that AUTO
# skips them in HIP builds (which have no use for them, as CUDA builds skip the HIP adapters).
set(KDASH_BUILD_CUDA_ADAPTERS OFF)
if(NOT KDASH_ENABLE_CUDA_ADAPTERS STREQUAL "OFF" AND
   NOT (KDASH_ENABLE_CUDA_ADAPTERS STREQUAL "AUTO" AND KDASH_DEVICE_SPACE STREQUAL "hip"))
  find_package(CUDAToolkit QUIET)
  if(CUDAToolkit_FOUND AND EXISTS ${PROJECT_SOURCE_DIR}/backends/cuda/CMakeLists.txt)
    set(KDASH_BUILD_CUDA_ADAPTERS ON)
  elseif(KDASH_ENABLE_CUDA_ADAPTERS STREQUAL "ON" OR KDASH_DEVICE_SPACE STREQUAL "cuda")
    message(FATAL_ERROR "kdash: the CUDA adapters were requested but the CUDA toolkit was not found (set CUDAToolkit_ROOT)")
  endif()
endif()
set(_kdash_nccl_default OFF)
if(KDASH_BUILD_CUDA_ADAPTERS)
  set(_kdash_nccl_default ON)
endif()
option(KDASH_ENABLE_NCCL "Use NCCL for the collectives (needs the CUDA adapters)" ${_kdash_nccl_default})
set(KDASH_HAVE_NCCL OFF)
if(KDASH_ENABLE_NCCL)
  if(NOT KDASH_BUILD_CUDA_ADAPTERS)
    message(FATAL_ERROR "kdash: KDASH_ENABLE_NCCL=ON needs the CUDA toolkit (the NCCL adapter is part of backends/cuda)")
  endif()
  find_package(NCCL)
  if(NCCL_FOUND)
    set(KDASH_HAVE_NCCL ON)
  else()
    message(STATUS "kdash: NCCL not found; collectives use MPI")
  endif()
endif()
