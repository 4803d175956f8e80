// The host BLAS/LAPACK adapter's library handling (backends/host/host_blas.hpp): whichever library KDASH_BLAS linked,
// kdash can name it, its version and its kernels, and control its threads.
#include <kdash/backends/host/host_blas.hpp>

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace host = kdash::backends::host;

TEST(HostBlas, TheLinkedLibraryNamesItselfItsVersionAndItsKernels) {
  const auto info = host::blas_library_info();
  // The libraries KDASH_BLAS selects by name all describe themselves at run time.
  ASSERT_TRUE(info.library == "OpenBLAS" || info.library == "oneMKL" || info.library == "BLIS") << info.library;
  EXPECT_TRUE(std::regex_match(info.version, std::regex("[0-9]+\\.[0-9]+(\\.[0-9]+)?"))) << info.version;
  EXPECT_FALSE(info.kernel.empty());
  EXPECT_FALSE(info.details.empty());
  const std::string text = host::blas_description();
  EXPECT_EQ(text, info.library + " " + info.version + ", kernels " + info.kernel);
}

TEST(HostBlas, ScopedThreadsSetAndRestoreTheLibrarysThreadCount) {
  const int before = host::blas_threads();
  {
    host::ScopedBlasThreads one(1);
    EXPECT_EQ(host::blas_threads(), 1);
    {
      host::ScopedBlasThreads two(2);
      EXPECT_EQ(host::blas_threads(), 2);
    }
    EXPECT_EQ(host::blas_threads(), 1);
  }
  EXPECT_EQ(host::blas_threads(), before);
  host::set_blas_threads(0);  // clamped: a library never gets fewer than one thread
  EXPECT_EQ(host::blas_threads(), 1);
  host::set_blas_threads(before);
}
