// The HIP-runtime half of the HIP adapters, built and run against a real HIP runtime on any machine that has one
// (a GPU is not needed: without one every runtime call the adapters make must end in a VendorError naming it, never a
// crash). With a device, the vendor-neutral workspace (kdash/backends/vendor/stream_workspace.hpp) is checked on it.
#include <kdash/backends/hip/hip_error.hpp>
#include <kdash/backends/hip/runtime_api.hpp>
#include <kdash/backends/vendor/stream_workspace.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace {

namespace kh = kdash::backends::hip;
using Workspace = kdash::backends::vendor::StreamWorkspace<kh::HipRuntime>;

int device_count() {
  int count = 0;
  if (hipGetDeviceCount(&count) != hipSuccess) count = 0;
  (void)hipGetLastError();
  return count;
}

// Expects `call` to throw VendorError whose message names `function`.
void expect_vendor_error(const std::function<void()>& call, const std::string& function) {
  try {
    call();
    ADD_FAILURE() << "no exception; expected a VendorError naming " << function;
  } catch (const kh::VendorError& e) {
    EXPECT_NE(std::string(e.what()).find(function), std::string::npos) << e.what();
    EXPECT_NE(e.status(), static_cast<int>(hipSuccess));
  }
}

TEST(HipErrors, SuccessDoesNotThrow) { EXPECT_NO_THROW(kh::check_hip(hipSuccess, "hipFake")); }

TEST(HipErrors, FailureNamesTheCallTheStatusAndKeepsItsNumber) {
  try {
    kh::check_hip(hipErrorInvalidValue, "hipFakeCall");
    FAIL() << "no exception";
  } catch (const kh::VendorError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("hipFakeCall"), std::string::npos) << what;
    EXPECT_NE(what.find("hipErrorInvalidValue"), std::string::npos) << what;
    EXPECT_EQ(e.status(), static_cast<int>(hipErrorInvalidValue));
  }
}

TEST(HipErrors, ARealFailedCallIsReportedByName) {
  // A null output pointer is refused by the runtime with or without a device.
  expect_vendor_error([] { kh::check_hip(hipGetDeviceCount(nullptr), "hipGetDeviceCount"); }, "hipGetDeviceCount");
}

TEST(HipRuntime, AllocationIsRealOrAVendorError) {
  if (device_count() == 0) {
    expect_vendor_error([] { kh::HipRuntime::allocate(64); }, "hipMalloc");
    return;
  }
  void* data = kh::HipRuntime::allocate(64);
  EXPECT_NE(data, nullptr);
  kh::HipRuntime::deallocate(data);
}

TEST(HipRuntime, WorkspaceWithoutADeviceFailsCleanly) {
  if (device_count() > 0) GTEST_SKIP() << "a device is present: the workspace is checked on it by the next test";
  Workspace workspace;
  // The first lease creates the workspace's event: the runtime refuses, and the workspace stays destructible.
  expect_vendor_error([&] { Workspace::Lease lease(workspace, nullptr, 64, 16); }, "hipEvent");
}

TEST(HipRuntime, WorkspaceGrowsAndIsKeptAcrossStreams) {
  if (device_count() == 0) GTEST_SKIP() << "no HIP device";
  hipStream_t other = nullptr;
  kh::check_hip(hipStreamCreate(&other), "hipStreamCreate");
  Workspace workspace;
  void* first = nullptr;
  {
    const Workspace::Lease lease(workspace, nullptr, 256, 32);
    ASSERT_NE(lease->device, nullptr);
    EXPECT_GE(lease->device_bytes, 256u);
    EXPECT_GE(lease->host_bytes, 32u);
    first = lease->device;
  }
  {
    // Smaller, on another stream: the same buffers, ordered after the first use.
    const Workspace::Lease lease(workspace, other, 128, 0);
    EXPECT_EQ(lease->device, first);
    EXPECT_GE(lease->device_bytes, 256u);
  }
  {
    const Workspace::Lease lease(workspace, nullptr, 4096, 0);
    EXPECT_GE(lease->device_bytes, 4096u);
  }
  kh::check_hip(hipStreamSynchronize(other), "hipStreamSynchronize");
  kh::check_hip(hipStreamDestroy(other), "hipStreamDestroy");
}

}  // namespace
