# The host BLAS/LAPACK (with CBLAS and LAPACKE), found the same way when kdash is built (KDashDependencies.cmake)
# and when a project imports the installed package (KDashConfig.cmake), so that both link the same library.
#
#   kdash_find_host_blas_packages(<choice> <mkl_dir>)   finds the packages (both places)
#   kdash_find_host_blas(<choice> <mkl_dir>)            and defines the INTERFACE target kdash_host_blas (the build)
#     choice   mkl       oneMKL, LP64 interface, GNU OpenMP threading (Kokkos' OpenMP runtime), through MKL's own
#                        CMake package (MKLConfig.cmake) searched first in <mkl_dir> (scripts/bootstrap.sh puts it
#                        into $KDASH_DEPS/mkl), then in MKL_DIR / MKLROOT / the usual prefixes;
#              openblas  OpenBLAS (CMake's BLA_VENDOR OpenBLAS) with LAPACKE;
#              blis      BLIS (BLA_VENDOR FLAME) with the system's LAPACK and LAPACKE;
#              <vendor>  any other BLA_VENDOR of CMake's FindBLAS (Intel10_64lp, Arm, NVHPC, Generic, ...): a site's
#                        library, with LAPACKE found next to it.
#   Sets KDASH_HOST_BLAS_MKL (ON when the MKL headers mkl_cblas.h / mkl_lapacke.h are to be used) and
#   KDASH_HOST_BLAS_LIBRARY (the library's file name).
macro(kdash_find_host_blas_packages _kdash_choice _kdash_mkl_dir)
  string(TOLOWER "${_kdash_choice}" _kdash_blas)
  set(KDASH_HOST_BLAS_MKL OFF)
  if(_kdash_blas STREQUAL "mkl")
    set(MKL_INTERFACE lp64)
    set(MKL_THREADING gnu_thread)
    set(MKL_LINK dynamic)
    find_package(MKL CONFIG REQUIRED HINTS "${_kdash_mkl_dir}")
    set(KDASH_HOST_BLAS_MKL ON)
    get_target_property(_kdash_blas_file MKL::mkl_core IMPORTED_LOCATION)
  else()
    if(_kdash_blas STREQUAL "openblas")
      set(BLA_VENDOR OpenBLAS)
    elseif(_kdash_blas STREQUAL "blis")
      set(BLA_VENDOR FLAME)
    else()
      set(BLA_VENDOR "${_kdash_choice}")
    endif()
    find_package(BLAS REQUIRED)
    if(BLA_VENDOR STREQUAL "FLAME")
      # CMake's FLAME vendor means libflame for LAPACK; BLIS pairs with the system's LAPACK instead.
      find_library(KDASH_LAPACK_LIBRARY lapack)
      if(NOT KDASH_LAPACK_LIBRARY)
        message(FATAL_ERROR "kdash: KDASH_BLAS=blis needs a LAPACK library (Debian: apt-get install liblapack-dev)")
      endif()
    else()
      find_package(LAPACK REQUIRED)
    endif()
    find_path(KDASH_CBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES openblas blis)
    find_path(KDASH_LAPACKE_INCLUDE_DIR lapacke.h PATH_SUFFIXES openblas)
    find_library(KDASH_LAPACKE_LIBRARY lapacke)
    if(NOT KDASH_CBLAS_INCLUDE_DIR OR NOT KDASH_LAPACKE_INCLUDE_DIR OR NOT KDASH_LAPACKE_LIBRARY)
      message(FATAL_ERROR "kdash: cblas.h, lapacke.h or liblapacke not found for KDASH_BLAS=${_kdash_choice} "
                          "(Debian: apt-get install liblapacke-dev, or run scripts/bootstrap.sh)")
    endif()
    list(GET BLAS_LIBRARIES 0 _kdash_blas_file)
  endif()
  get_filename_component(KDASH_HOST_BLAS_LIBRARY "${_kdash_blas_file}" NAME)
endmacro()

macro(kdash_find_host_blas _kdash_choice _kdash_mkl_dir)
  kdash_find_host_blas_packages("${_kdash_choice}" "${_kdash_mkl_dir}")
  add_library(kdash_host_blas INTERFACE)
  if(KDASH_HOST_BLAS_MKL)
    target_link_libraries(kdash_host_blas INTERFACE MKL::MKL)
    target_compile_definitions(kdash_host_blas INTERFACE KDASH_HOST_BLAS_MKL=1)  # backends/host/cblas_lapacke.hpp
  else()
    if(BLA_VENDOR STREQUAL "FLAME")
      # BLIS ahead of the LAPACK library, which may be a whole other BLAS (Debian's liblapack.so.3 can be
      # OpenBLAS'): the first library on the link line serves the BLAS symbols.
      set(_kdash_blas_then_lapack BLAS::BLAS ${KDASH_LAPACK_LIBRARY})
    else()
      set(_kdash_blas_then_lapack LAPACK::LAPACK BLAS::BLAS)
    endif()
    target_include_directories(kdash_host_blas INTERFACE ${KDASH_CBLAS_INCLUDE_DIR} ${KDASH_LAPACKE_INCLUDE_DIR})
    target_link_libraries(kdash_host_blas INTERFACE ${KDASH_LAPACKE_LIBRARY} ${_kdash_blas_then_lapack})
  endif()
endmacro()
