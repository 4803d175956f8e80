// Tests of the CUDA vendor adapters (backends/cuda). On any machine with the CUDA toolkit they prove that the adapters
// link against cudart, cuBLAS, cuSOLVER and NCCL, and that every argument check fires on the host, before any CUDA
// call (std::invalid_argument naming the argument), and that without a GPU a valid call fails with a VendorError
// naming the CUDA function, never a crash. With a GPU they also check the numbers: GEMM against a host reference
// within a forward-error bound, eigendecompositions by their residual and orthogonality, and NCCL on one rank;
// without one those tests are skipped.
#include <kdash/backends/cuda/cublas_gemm.hpp>
#include <kdash/backends/cuda/cuda_error.hpp>
#include <kdash/backends/cuda/cusolver_syevd.hpp>
#include <kdash/backends/cuda/data_type.hpp>
#include <kdash/backends/cuda/device_info.hpp>
#include <kdash/backends/cuda/runtime_api.hpp>
#include <kdash/backends/vendor/gemm_args.hpp>
#if KDASH_CUDA_ADAPTERS_HAVE_NCCL
#include <kdash/backends/cuda/nccl_comm.hpp>
#endif

#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace kc = kdash::backends::cuda;

namespace {

// ---------------------------------------------------------------------------------------------------------------------
// Helpers

// Expects `call` to throw std::invalid_argument whose message names `argument` (quoted, as the adapters write it).
void expect_invalid_argument(const std::function<void()>& call, const std::string& argument) {
  try {
    call();
    ADD_FAILURE() << "no exception; expected std::invalid_argument naming '" << argument << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'" + argument + "'"), std::string::npos)
        << "message does not name '" << argument << "': " << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected std::invalid_argument naming '" << argument << "', got: " << e.what();
  }
}

// Expects `call` to throw a std::runtime_error whose message contains every one of `parts`.
void expect_runtime_error(const std::function<void()>& call, const std::vector<std::string>& parts) {
  try {
    call();
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    for (const std::string& part : parts) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << "'" << part << "' missing from: " << e.what();
    }
  }
}

// Validation never dereferences pointers, so host addresses stand in for device buffers in the host-only tests.
alignas(64) unsigned char fake_device_memory[64];
void* fake_pointer() { return fake_device_memory; }

// ---------------------------------------------------------------------------------------------------------------------
// Linking and runtime queries: callable without a GPU.

// Expects `call` to throw VendorError whose message names `function`.
void expect_vendor_error(const std::function<void()>& call, const std::string& function) {
  try {
    call();
    ADD_FAILURE() << "no exception; expected a VendorError naming " << function;
  } catch (const kc::VendorError& e) {
    EXPECT_NE(std::string(e.what()).find(function), std::string::npos) << e.what();
    EXPECT_NE(e.status(), 0);
  }
}

TEST(CudaLink, DeviceCountNeverThrows) {
  const int count = kc::device_count_or_zero();
  EXPECT_GE(count, 0);
  // The failed query must not leave a sticky error behind for the next CUDA call.
  EXPECT_EQ(kc::device_count_or_zero(), count);
}

TEST(CudaLink, WithoutAGpuValidCallsFailWithAVendorError) {
  if (kc::device_count_or_zero() > 0) GTEST_SKIP() << "a GPU is present: the calls are checked by the numerical tests";
  std::printf("[ info     ] %s\n", kc::current_device_description().c_str());
  EXPECT_EQ(kc::current_device_description(), "no CUDA device");
  expect_vendor_error([] { kc::CudaRuntime::allocate(64); }, "cudaMalloc");
  // The handles are created on first use: a valid GEMM or syevd reaches the runtime, which refuses.
  kc::GemmArgs g;
  g.batch = g.m = g.n = g.k = 1;
  g.a = g.b = g.c = fake_pointer();
  kc::CublasHandle blas;
  EXPECT_THROW(kc::gemm_strided_batched(blas, nullptr, g), kc::VendorError);
  float* x = static_cast<float*>(fake_pointer());
  kc::CusolverHandle solver;
  EXPECT_THROW(kc::batched_syevd(solver, nullptr, 2, 1, x, x, static_cast<int*>(fake_pointer())), kc::VendorError);
}

TEST(CudaLink, SyevBatchedAvailabilityFollowsTheHeaders) {
  EXPECT_EQ(kc::has_syev_batched(), CUSOLVER_VERSION >= 11701);
}

TEST(CudaLink, DataTypeSizesAndNames) {
  static_assert(size_of(kc::DataType::f32) == 4 && size_of(kc::DataType::f64) == 8);
  static_assert(size_of(kc::DataType::f16) == 2 && size_of(kc::DataType::bf16) == 2);
  EXPECT_STREQ(to_string(kc::DataType::bf16), "bf16");
  EXPECT_EQ(size_of(static_cast<kc::DataType>(42)), 0u);
}

// ---------------------------------------------------------------------------------------------------------------------
// Error helpers: success passes, a failure names the call and the status.

TEST(CudaErrors, SuccessDoesNotThrow) {
  EXPECT_NO_THROW(kc::check_cuda(cudaSuccess, "cudaFake"));
  EXPECT_NO_THROW(kc::check_cublas(CUBLAS_STATUS_SUCCESS, "cublasFake"));
  EXPECT_NO_THROW(kc::check_cusolver(CUSOLVER_STATUS_SUCCESS, "cusolverFake"));
}

TEST(CudaErrors, FailureNamesTheCallAndTheStatus) {
  expect_runtime_error([] { kc::check_cuda(cudaErrorInvalidValue, "cudaFakeCall"); },
                       {"cudaFakeCall", "cudaErrorInvalidValue", "invalid argument"});
  expect_runtime_error([] { kc::check_cublas(CUBLAS_STATUS_INVALID_VALUE, "cublasFakeCall"); },
                       {"cublasFakeCall", "CUBLAS_STATUS_INVALID_VALUE"});
  expect_runtime_error([] { kc::check_cusolver(CUSOLVER_STATUS_ALLOC_FAILED, "cusolverFakeCall"); },
                       {"cusolverFakeCall", "CUSOLVER_STATUS_ALLOC_FAILED", "allocation"});
}

TEST(CudaErrors, VendorErrorKeepsTheRawStatus) {
  try {
    kc::check_cublas(CUBLAS_STATUS_ALLOC_FAILED, "cublasFakeCall");
    FAIL() << "no exception";
  } catch (const kc::VendorError& e) {
    EXPECT_EQ(e.status(), static_cast<int>(CUBLAS_STATUS_ALLOC_FAILED));
  }
}

TEST(CudaErrors, UnknownStatusesStillGetANumber) {
  // 12 and 27 lie between the enumerators of today's headers.
  expect_runtime_error([] { kc::check_cublas(static_cast<cublasStatus_t>(12), "cublasFakeCall"); },
                       {"cublasFakeCall failed: cuBLAS status 12"});
  expect_runtime_error([] { kc::check_cusolver(static_cast<cusolverStatus_t>(27), "cusolverFakeCall"); },
                       {"cusolverFakeCall failed: cuSOLVER status 27"});
}

// ---------------------------------------------------------------------------------------------------------------------
// GEMM argument validation: every bad field is named, before any CUDA call (without a GPU a CUDA call would throw a
// VendorError instead).

// A valid problem: 2 blocks of (3 x 5) * (5 x 4), packed.
kc::GemmArgs valid_gemm() {
  kc::GemmArgs g;
  g.batch = 2;
  g.m = 3;
  g.n = 4;
  g.k = 5;
  g.a = fake_pointer();
  g.b = fake_pointer();
  g.c = fake_pointer();
  return g;
}

struct BadGemm {
  const char* argument;
  std::function<void(kc::GemmArgs&)> spoil;
};

TEST(GemmValidation, EveryBadArgumentIsNamedBeforeAnyCudaCall) {
  const std::int64_t too_big = std::int64_t{INT_MAX} + 1;
  const std::vector<BadGemm> cases = {
      {"op_a", [](kc::GemmArgs& g) { g.op_a = static_cast<kc::Op>(7); }},
      {"op_b", [](kc::GemmArgs& g) { g.op_b = static_cast<kc::Op>(-1); }},
      {"batch", [](kc::GemmArgs& g) { g.batch = -1; }},
      {"batch", [=](kc::GemmArgs& g) { g.batch = too_big; }},
      {"m", [](kc::GemmArgs& g) { g.m = -3; }},
      {"n", [](kc::GemmArgs& g) { g.n = -1; }},
      {"k", [](kc::GemmArgs& g) { g.k = -1; }},
      {"k", [=](kc::GemmArgs& g) { g.k = too_big; }},
      {"input_type", [](kc::GemmArgs& g) { g.input_type = static_cast<kc::DataType>(9); }},
      {"output_type", [](kc::GemmArgs& g) { g.output_type = static_cast<kc::DataType>(9); }},
      {"output_type",
       [](kc::GemmArgs& g) {
         g.input_type = kc::DataType::f64;  // f64 inputs need an f64 output
         g.output_type = kc::DataType::f32;
       }},
      {"output_type", [](kc::GemmArgs& g) { g.output_type = kc::DataType::f64; }},  // f32 inputs, f64 output
      {"output_type", [](kc::GemmArgs& g) { g.output_type = kc::DataType::f16; }},  // f32 inputs, f16 output
      {"output_type",
       [](kc::GemmArgs& g) {
         g.input_type = kc::DataType::f16;
         g.output_type = kc::DataType::bf16;
       }},
      {"allow_tf32",
       [](kc::GemmArgs& g) {
         g.input_type = kc::DataType::f16;
         g.allow_tf32 = true;
       }},
      {"allow_tf32",
       [](kc::GemmArgs& g) {
         g.input_type = g.output_type = kc::DataType::f64;
         g.allow_tf32 = true;
       }},
      {"a", [](kc::GemmArgs& g) { g.a = nullptr; }},
      {"b", [](kc::GemmArgs& g) { g.b = nullptr; }},
      {"c", [](kc::GemmArgs& g) { g.c = nullptr; }},
      {"lda", [](kc::GemmArgs& g) { g.lda = 4; }},  // A is 3 x 5 as stored
      {"lda",
       [](kc::GemmArgs& g) {
         g.op_a = kc::Op::T;  // A is stored 5 x 3
         g.lda = 2;
       }},
      {"lda", [](kc::GemmArgs& g) { g.lda = -2; }},
      {"lda", [=](kc::GemmArgs& g) { g.lda = too_big; }},
      {"ldb", [](kc::GemmArgs& g) { g.ldb = 3; }},  // B is 5 x 4 as stored
      {"ldb",
       [](kc::GemmArgs& g) {
         g.op_b = kc::Op::T;  // B is stored 4 x 5
         g.ldb = 4;
       }},
      {"ldc", [](kc::GemmArgs& g) { g.ldc = 3; }},             // C is 3 x 4
      {"stride_a", [](kc::GemmArgs& g) { g.stride_a = 14; }},  // one A spans (3 - 1) * 5 + 5 = 15 elements
      {"stride_a", [](kc::GemmArgs& g) { g.stride_a = -5; }},
      {"stride_a",
       [](kc::GemmArgs& g) {
         g.batch = 5;
         g.stride_a = std::numeric_limits<std::int64_t>::max() / 4;  // the last block's address overflows
       }},
      {"stride_b", [](kc::GemmArgs& g) { g.stride_b = 19; }},  // one B spans 20 elements
      {"stride_c", [](kc::GemmArgs& g) { g.stride_c = 11; }},  // one C spans 12 elements
      {"stride_c", [](kc::GemmArgs& g) { g.stride_c = 0; }},   // outputs of different blocks may not alias
  };
  for (const BadGemm& bad : cases) {
    kc::GemmArgs g = valid_gemm();
    bad.spoil(g);
    SCOPED_TRACE(bad.argument);
    kc::CublasHandle handle;
    expect_invalid_argument([&] { kc::gemm_strided_batched(handle, nullptr, g); }, bad.argument);
  }
}

// The rules the adapter applies (kdash/backends/vendor/gemm_args.hpp) accept every valid layout.
TEST(GemmValidation, ValidLayoutsPass) {
  std::vector<std::function<void(kc::GemmArgs&)>> variants = {
      [](kc::GemmArgs&) {},
      [](kc::GemmArgs& g) { g.op_a = g.op_b = kc::Op::T; },
      [](kc::GemmArgs& g) { g.stride_a = 0; },  // one A for every block
      [](kc::GemmArgs& g) {
        g.lda = 8;  // padded rows and blocks
        g.stride_a = 30;
        g.ldc = 4;
        g.stride_c = 12;
      },
      [](kc::GemmArgs& g) { g.allow_tf32 = true; },
      [](kc::GemmArgs& g) { g.input_type = g.output_type = kc::DataType::f64; },
      [](kc::GemmArgs& g) { g.input_type = kc::DataType::f16; },
      [](kc::GemmArgs& g) { g.input_type = kc::DataType::bf16; },
      [](kc::GemmArgs& g) { g.input_type = g.output_type = kc::DataType::bf16; },
      [](kc::GemmArgs& g) {
        g.k = 0;  // C = beta * C: A and B are empty and may be null
        g.a = g.b = nullptr;
      },
      [](kc::GemmArgs& g) {
        g.batch = 1;  // a single block needs no particular stride
        g.stride_c = 0;
      },
  };
  for (std::size_t i = 0; i < variants.size(); ++i) {
    kc::GemmArgs g = valid_gemm();
    variants[i](g);
    EXPECT_NO_THROW(kdash::backends::vendor::resolve_gemm_args(g, "gemm", "cuBLAS")) << "variant " << i;
  }
}

TEST(GemmValidation, EmptyProblemIsANoOpWithoutDevice) {
  // Pointers to empty matrices may be null; the GEMM then returns without touching the device.
  const std::vector<std::function<void(kc::GemmArgs&)>> empties = {
      [](kc::GemmArgs& g) {
        g.batch = 0;
        g.a = g.b = g.c = nullptr;
      },
      [](kc::GemmArgs& g) {
        g.m = 0;  // A (0 x 5) and C (0 x 4) are empty
        g.a = g.c = nullptr;
      },
      [](kc::GemmArgs& g) {
        g.n = 0;  // B (5 x 0) and C (3 x 0) are empty
        g.b = g.c = nullptr;
      },
  };
  for (std::size_t i = 0; i < empties.size(); ++i) {
    kc::GemmArgs g = valid_gemm();
    empties[i](g);
    kc::CublasHandle handle;
    EXPECT_NO_THROW(kc::gemm_strided_batched(handle, nullptr, g)) << "case " << i;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// syevd argument validation.

template <class T>
void check_syevd_validation() {
  T* a = static_cast<T*>(fake_pointer());
  T* w = static_cast<T*>(fake_pointer());
  int* info = static_cast<int*>(fake_pointer());
  struct Case {
    const char* argument;
    std::function<void(kc::CusolverHandle&)> call;
  };
  const std::vector<Case> cases = {
      {"n", [&](kc::CusolverHandle& h) { kc::batched_syevd(h, nullptr, -1, 2, a, w, info); }},
      {"batch", [&](kc::CusolverHandle& h) { kc::batched_syevd(h, nullptr, 4, -1, a, w, info); }},
      {"batch", [&](kc::CusolverHandle& h) { kc::batched_syevd(h, nullptr, 1 << 30, 1 << 30, a, w, info); }},
      {"a", [&](kc::CusolverHandle& h) { kc::batched_syevd(h, nullptr, 4, 2, static_cast<T*>(nullptr), w, info); }},
      {"w", [&](kc::CusolverHandle& h) { kc::batched_syevd(h, nullptr, 4, 2, a, static_cast<T*>(nullptr), info); }},
      {"info", [&](kc::CusolverHandle& h) { kc::batched_syevd(h, nullptr, 4, 2, a, w, nullptr); }},
      {"info", [&](kc::CusolverHandle& h) { kc::batched_syevd(h, nullptr, 0, 2, a, w, nullptr); }},
      {"path",
       [&](kc::CusolverHandle& h) { kc::batched_syevd(h, nullptr, 4, 2, a, w, info, static_cast<kc::SyevdPath>(11)); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.argument);
    kc::CusolverHandle handle;
    expect_invalid_argument([&] { c.call(handle); }, c.argument);
  }
  if (!kc::has_syev_batched()) {
    kc::CusolverHandle handle;
    expect_invalid_argument([&] { kc::batched_syevd(handle, nullptr, 4, 2, a, w, info, kc::SyevdPath::batched); },
                            "path");
  }
  // An empty batch needs no buffers and no device.
  kc::CusolverHandle handle;
  EXPECT_NO_THROW(
      kc::batched_syevd(handle, nullptr, 8, 0, static_cast<T*>(nullptr), static_cast<T*>(nullptr), nullptr));
}

TEST(SyevdValidation, EveryBadArgumentIsNamedBeforeAnyCudaCallFloat) { check_syevd_validation<float>(); }
TEST(SyevdValidation, EveryBadArgumentIsNamedBeforeAnyCudaCallDouble) { check_syevd_validation<double>(); }

// ---------------------------------------------------------------------------------------------------------------------
// NCCL argument validation.

#if KDASH_CUDA_ADAPTERS_HAVE_NCCL
TEST(NcclValidation, ConstructorChecksRankAndSizeBeforeNccl) {
  ncclUniqueId id;
  std::memset(&id, 0, sizeof id);
  expect_invalid_argument([&] { kc::NcclCommunicator c(id, 0, 0); }, "size");
  expect_invalid_argument([&] { kc::NcclCommunicator c(id, -1, 2); }, "rank");
  expect_invalid_argument([&] { kc::NcclCommunicator c(id, 2, 2); }, "rank");
}

TEST(NcclValidation, CollectivesCheckBuffersThenRefuseAnEmptyCommunicator) {
  kc::NcclCommunicator comm;  // empty: arguments are still validated first
  EXPECT_TRUE(comm.empty());
  const void* send = fake_pointer();
  void* recv = fake_pointer();
  const auto f32 = kc::DataType::f32;
  expect_invalid_argument([&] { comm.all_gather(nullptr, recv, 4, f32, nullptr); }, "send");
  expect_invalid_argument([&] { comm.all_gather(send, nullptr, 4, f32, nullptr); }, "recv");
  expect_invalid_argument([&] { comm.all_gather(send, recv, 4, static_cast<kc::DataType>(9), nullptr); }, "type");
  expect_invalid_argument(
      [&] { comm.all_gather(send, recv, std::numeric_limits<std::size_t>::max() / 2, f32, nullptr); },
      "count_per_rank");
  expect_invalid_argument([&] { comm.all_reduce_sum(nullptr, recv, 4, f32, nullptr); }, "send");
  expect_invalid_argument([&] { comm.all_reduce_sum(send, nullptr, 4, f32, nullptr); }, "recv");
  expect_invalid_argument([&] { comm.all_reduce_sum(send, recv, 4, static_cast<kc::DataType>(9), nullptr); }, "type");
  expect_invalid_argument(
      [&] { comm.all_reduce_sum(send, recv, std::numeric_limits<std::size_t>::max() / 2, f32, nullptr); }, "count");
  EXPECT_THROW(comm.all_gather(send, recv, 4, f32, nullptr), std::logic_error);
  EXPECT_THROW(comm.all_reduce_sum(send, recv, 4, f32, nullptr), std::logic_error);
}
#endif

// ---------------------------------------------------------------------------------------------------------------------
// Numerical checks on a GPU.

class CudaDevice : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kc::device_count_or_zero() == 0) {
      GTEST_SKIP() << "no CUDA device or driver on this machine: numerical checks need a GPU";
    }
    kc::check_cuda(cudaStreamCreate(&stream_), "cudaStreamCreate");
  }
  void TearDown() override {
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
  }
  void sync() { kc::check_cuda(cudaStreamSynchronize(stream_), "cudaStreamSynchronize"); }

  cudaStream_t stream_ = nullptr;
};

template <class T>
class DeviceBuffer {
 public:
  explicit DeviceBuffer(std::size_t count) : count_(count) {
    kc::check_cuda(cudaMalloc(&data_, std::max<std::size_t>(count, 1) * sizeof(T)), "cudaMalloc");
  }
  explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) { upload(host); }
  ~DeviceBuffer() { cudaFree(data_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void upload(const std::vector<T>& host) {
    kc::check_cuda(cudaMemcpy(data_, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy");
  }
  std::vector<T> download() const {
    std::vector<T> host(count_);
    kc::check_cuda(cudaMemcpy(host.data(), data_, count_ * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy");
    return host;
  }
  T* get() const { return static_cast<T*>(data_); }

 private:
  void* data_ = nullptr;
  std::size_t count_;
};

std::uint32_t float_bits(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
float bits_float(std::uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// Encodings of values that the 16-bit formats hold exactly (the tests only feed such values in).
std::uint16_t exact_bf16_bits(float x) { return static_cast<std::uint16_t>(float_bits(x) >> 16); }
std::uint16_t exact_fp16_bits(float x) {
  const std::uint32_t u = float_bits(x);
  const auto sign = static_cast<std::uint16_t>((u >> 16) & 0x8000u);
  if ((u & 0x7fffffffu) == 0) return sign;
  const int exponent = static_cast<int>((u >> 23) & 0xffu) - 127 + 15;  // normal fp16 values only
  return static_cast<std::uint16_t>(sign | (exponent << 10) | ((u >> 13) & 0x3ffu));
}
float bf16_value(std::uint16_t h) { return bits_float(std::uint32_t{h} << 16); }
float fp16_value(std::uint16_t h) {
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  float v;
  if (exponent == 0) {
    v = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    v = mantissa == 0 ? std::numeric_limits<float>::infinity() : std::numeric_limits<float>::quiet_NaN();
  } else {
    v = std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
  }
  return (h & 0x8000) ? -v : v;
}

// Device copy of values (given as doubles already representable in `type`) in that type's encoding.
struct TypedDeviceBuffer {
  TypedDeviceBuffer(const std::vector<double>& values, kc::DataType element_type)
      : type(element_type), count(values.size()) {
    if (type == kc::DataType::f64) {
      f64 = std::make_unique<DeviceBuffer<double>>(values);
    } else if (type == kc::DataType::f32) {
      f32 = std::make_unique<DeviceBuffer<float>>(std::vector<float>(values.begin(), values.end()));
    } else {
      std::vector<std::uint16_t> bits(values.size());
      for (std::size_t i = 0; i < values.size(); ++i) {
        const float x = static_cast<float>(values[i]);
        bits[i] = type == kc::DataType::f16 ? exact_fp16_bits(x) : exact_bf16_bits(x);
      }
      b16 = std::make_unique<DeviceBuffer<std::uint16_t>>(bits);
    }
  }
  void* get() const {
    if (f64) return f64->get();
    if (f32) return f32->get();
    return b16->get();
  }
  std::vector<double> download() const {
    std::vector<double> out(count);
    if (f64) {
      out = f64->download();
    } else if (f32) {
      const std::vector<float> v = f32->download();
      std::copy(v.begin(), v.end(), out.begin());
    } else {
      const std::vector<std::uint16_t> v = b16->download();
      for (std::size_t i = 0; i < count; ++i) out[i] = type == kc::DataType::f16 ? fp16_value(v[i]) : bf16_value(v[i]);
    }
    return out;
  }

  kc::DataType type;
  std::size_t count;
  std::unique_ptr<DeviceBuffer<double>> f64;
  std::unique_ptr<DeviceBuffer<float>> f32;
  std::unique_ptr<DeviceBuffer<std::uint16_t>> b16;
};

struct GemmConfig {
  const char* name;
  kc::DataType input;
  kc::DataType output;
  bool tf32;
};

const GemmConfig kGemmConfigs[] = {
    {"f32", kc::DataType::f32, kc::DataType::f32, false},
    {"tf32", kc::DataType::f32, kc::DataType::f32, true},
    {"f64", kc::DataType::f64, kc::DataType::f64, false},
    {"f16_f32", kc::DataType::f16, kc::DataType::f32, false},
    {"bf16_f32", kc::DataType::bf16, kc::DataType::f32, false},
    {"f16_f16", kc::DataType::f16, kc::DataType::f16, false},
    {"bf16_bf16", kc::DataType::bf16, kc::DataType::bf16, false},
};

// Unit roundoff of a type (round to nearest).
double unit_roundoff(kc::DataType type) {
  switch (type) {
    case kc::DataType::f64:
      return std::ldexp(1.0, -53);
    case kc::DataType::f32:
      return std::ldexp(1.0, -24);
    case kc::DataType::f16:
      return std::ldexp(1.0, -11);
    case kc::DataType::bf16:
      return std::ldexp(1.0, -8);
  }
  return 1.0;
}

using GemmParam = std::tuple<kc::Op, kc::Op, int, bool>;  // op_a, op_b, index into kGemmConfigs, padded layout

class CudaGemm : public CudaDevice, public ::testing::WithParamInterface<GemmParam> {};

// C[b] = alpha op(A[b]) op(B[b]) + beta C[b] for every block and layout, against a long-double host reference.
// Forward-error bound (Higham, Accuracy and Stability of Numerical Algorithms, §3.5), elementwise:
//   |C - C_ref| <= (2 (k + 2) u_acc + 2 u_in) (|alpha| |op(A)| |op(B)| + |beta| |C0|) + u_out |C_ref|
// u_acc: unit roundoff of the accumulation (fp32, or fp64), doubled for tensor cores' truncating adders;
// u_in: rounding of the inputs inside the library (TF32: 10 explicit bits, possibly truncated: 2^-10; else 0);
// u_out: rounding of the result to a 16-bit output type (0 for f32/f64 outputs, whose rounding is in the k + 2).
TEST_P(CudaGemm, MatchesHostReferenceWithinForwardErrorBound) {
  const kc::Op op_a = std::get<0>(GetParam());
  const kc::Op op_b = std::get<1>(GetParam());
  const GemmConfig& config = kGemmConfigs[std::get<2>(GetParam())];
  const bool padded = std::get<3>(GetParam());
  const std::int64_t batch = 3, m = 37, n = 19, k = 53;
  const double alpha = 1.25, beta = -0.5;

  const bool ta = op_a == kc::Op::T, tb = op_b == kc::Op::T;
  const std::int64_t rows_a = ta ? k : m, cols_a = ta ? m : k;
  const std::int64_t rows_b = tb ? n : k, cols_b = tb ? k : n;
  const std::int64_t pad = padded ? 3 : 0, gap = padded ? 7 : 0;
  const std::int64_t lda = cols_a + pad, ldb = cols_b + pad, ldc = n + pad;
  const std::int64_t stride_a = rows_a * lda + gap, stride_b = rows_b * ldb + gap, stride_c = m * ldc + gap;

  // 16-bit formats get values on a 1/8 grid in [-2, 2], which fp16 and bf16 hold exactly; the others get uniform
  // values, exactly as the device will see them (rounded to fp32 unless f64). Padding holds a loud sentinel.
  std::mt19937 rng(20240611u + static_cast<unsigned>(std::get<2>(GetParam())));
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::uniform_int_distribution<int> grid(-16, 16);
  auto draw = [&](kc::DataType type) {
    if (type == kc::DataType::f16 || type == kc::DataType::bf16) return grid(rng) / 8.0;
    const double x = uniform(rng);
    return type == kc::DataType::f32 ? static_cast<double>(static_cast<float>(x)) : x;
  };
  const double sentinel = 1024.0;  // exact in every type
  auto fill = [&](std::int64_t rows, std::int64_t cols, std::int64_t ld, std::int64_t stride, kc::DataType type) {
    std::vector<double> v(static_cast<std::size_t>(batch * stride), sentinel);
    for (std::int64_t b = 0; b < batch; ++b)
      for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t j = 0; j < cols; ++j) v[b * stride + i * ld + j] = draw(type);
    return v;
  };
  const std::vector<double> a = fill(rows_a, cols_a, lda, stride_a, config.input);
  const std::vector<double> b = fill(rows_b, cols_b, ldb, stride_b, config.input);
  const std::vector<double> c0 = fill(m, n, ldc, stride_c, config.output);
  const TypedDeviceBuffer da(a, config.input), db(b, config.input), dc(c0, config.output);

  kc::GemmArgs g;
  g.op_a = op_a;
  g.op_b = op_b;
  g.batch = batch;
  g.m = m;
  g.n = n;
  g.k = k;
  g.alpha = alpha;
  g.beta = beta;
  g.input_type = config.input;
  g.output_type = config.output;
  g.allow_tf32 = config.tf32;
  g.a = da.get();
  g.b = db.get();
  g.c = dc.get();
  if (padded) {
    g.lda = lda, g.ldb = ldb, g.ldc = ldc;
    g.stride_a = stride_a, g.stride_b = stride_b, g.stride_c = stride_c;
  }
  kc::CublasHandle handle;
  kc::gemm_strided_batched(handle, stream_, g);
  sync();
  const std::vector<double> c = dc.download();

  const double u_acc = config.output == kc::DataType::f64 ? unit_roundoff(kc::DataType::f64) : std::ldexp(1.0, -24);
  const double u_in = config.tf32 ? std::ldexp(1.0, -10) : 0.0;
  const double u_out =
      (config.output == kc::DataType::f16 || config.output == kc::DataType::bf16) ? unit_roundoff(config.output) : 0.0;
  const double gamma = 2.0 * static_cast<double>(k + 2) * u_acc + 2.0 * u_in;
  int failures = 0;
  for (std::int64_t bb = 0; bb < batch; ++bb) {
    for (std::int64_t i = 0; i < m; ++i) {
      for (std::int64_t j = 0; j < n; ++j) {
        long double exact = 0.0L, magnitude = 0.0L;
        for (std::int64_t l = 0; l < k; ++l) {
          const double x = ta ? a[bb * stride_a + l * lda + i] : a[bb * stride_a + i * lda + l];
          const double y = tb ? b[bb * stride_b + j * ldb + l] : b[bb * stride_b + l * ldb + j];
          exact += static_cast<long double>(x) * y;
          magnitude += std::fabs(static_cast<long double>(x) * y);
        }
        const std::size_t at = static_cast<std::size_t>(bb * stride_c + i * ldc + j);
        const long double ref = alpha * exact + beta * static_cast<long double>(c0[at]);
        const double bound = gamma * static_cast<double>(std::fabs(alpha) * magnitude + std::fabs(beta * c0[at])) +
                             u_out * std::fabs(static_cast<double>(ref));
        const double error = std::fabs(static_cast<double>(c[at] - ref));
        if (!(error <= bound) && failures++ < 5) {
          ADD_FAILURE() << "C[" << bb << "](" << i << ", " << j << ") = " << c[at] << ", reference "
                        << static_cast<double>(ref) << ", error " << error << " > bound " << bound;
        }
      }
    }
  }
  // Padding between rows and between blocks of C is not written.
  for (std::int64_t bb = 0; bb < batch; ++bb) {
    for (std::int64_t r = 0; r < stride_c; ++r) {
      const bool inside = r < m * ldc && r % ldc < n;
      const std::size_t at = static_cast<std::size_t>(bb * stride_c + r);
      if (!inside && c[at] != sentinel && failures++ < 5) ADD_FAILURE() << "padding of C overwritten at " << at;
    }
  }
  EXPECT_EQ(failures, 0);
}

INSTANTIATE_TEST_SUITE_P(
    OpsTypesLayouts, CudaGemm,
    ::testing::Combine(::testing::Values(kc::Op::N, kc::Op::T), ::testing::Values(kc::Op::N, kc::Op::T),
                       ::testing::Range(0, static_cast<int>(sizeof kGemmConfigs / sizeof kGemmConfigs[0])),
                       ::testing::Bool()),
    [](const ::testing::TestParamInfo<GemmParam>& p) {
      return std::string(std::get<0>(p.param) == kc::Op::N ? "N" : "T") +
             (std::get<1>(p.param) == kc::Op::N ? "N" : "T") + "_" + kGemmConfigs[std::get<2>(p.param)].name +
             (std::get<3>(p.param) ? "_padded" : "_packed");
    });

TEST_F(CudaDevice, GemmWithEmptyInnerDimensionScalesC) {
  const std::vector<float> c0 = {1, -2, 3, -4, 5, -6};
  DeviceBuffer<float> c(c0);
  kc::GemmArgs g;
  g.batch = 2;
  g.m = 1;
  g.n = 3;
  g.k = 0;
  g.alpha = 7.0;
  g.beta = 0.5;
  g.c = c.get();  // A and B are empty: null
  kc::CublasHandle handle;
  kc::gemm_strided_batched(handle, stream_, g);
  sync();
  const std::vector<float> out = c.download();
  for (std::size_t i = 0; i < c0.size(); ++i) EXPECT_EQ(out[i], 0.5f * c0[i]);
}

TEST_F(CudaDevice, GemmBroadcastsAZeroStrideA) {
  // A (2 x 2) shared by both blocks; B[b] = (b + 1) I: C[b] = (b + 1) A.
  const std::vector<float> a = {1, 2, 3, 4};
  const std::vector<float> b = {1, 0, 0, 1, 2, 0, 0, 2};
  DeviceBuffer<float> da(a), db(b), dc(std::vector<float>(8, 0.0f));
  kc::GemmArgs g;
  g.batch = 2;
  g.m = g.n = g.k = 2;
  g.a = da.get();
  g.stride_a = 0;
  g.b = db.get();
  g.c = dc.get();
  kc::CublasHandle handle;
  kc::gemm_strided_batched(handle, stream_, g);
  sync();
  EXPECT_EQ(dc.download(), (std::vector<float>{1, 2, 3, 4, 2, 4, 6, 8}));
}

// Eigendecomposition of random symmetric matrices. Backward stability of the symmetric eigensolvers (Demmel, Applied
// Numerical Linear Algebra, §5.2 / §5.3) gives, for each computed pair (lambda_i, q_i):
//   ||A q_i - lambda_i q_i||_2 <= p(n) u ||A||_F   and   |q_i . q_j - delta_ij| <= p(n) u,
// with p(n) a modest polynomial; p(n) = 16 n is used here.
template <class T>
void check_syevd(cudaStream_t stream, kc::CusolverHandle& handle, std::int64_t n, std::int64_t batch,
                 kc::SyevdPath path) {
  SCOPED_TRACE("n = " + std::to_string(n) + ", batch = " + std::to_string(batch) + ", path " +
               std::to_string(static_cast<int>(path)));
  std::mt19937 rng(static_cast<unsigned>(7 * n + batch));
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::vector<T> a(static_cast<std::size_t>(batch * n * n));
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j <= i; ++j)
        a[b * n * n + i * n + j] = a[b * n * n + j * n + i] = static_cast<T>(uniform(rng));
  DeviceBuffer<T> da(a), dw(static_cast<std::size_t>(batch * n));
  DeviceBuffer<int> dinfo(std::vector<int>(static_cast<std::size_t>(batch), -1));
  kc::batched_syevd(handle, stream, n, batch, da.get(), dw.get(), dinfo.get(), path);
  kc::check_cuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
  const std::vector<T> q = da.download();
  const std::vector<T> w = dw.download();
  const std::vector<int> info = dinfo.download();

  const double u = std::numeric_limits<T>::epsilon() / 2;
  const double tol = 16.0 * static_cast<double>(n) * u;
  int failures = 0;
  for (std::int64_t b = 0; b < batch; ++b) {
    EXPECT_EQ(info[b], 0) << "block " << b;
    const T* ab = &a[b * n * n];
    const T* qb = &q[b * n * n];  // row i = eigenvector i
    const T* wb = &w[b * n];
    double norm_a = 0;
    for (std::int64_t i = 0; i < n * n; ++i) norm_a += static_cast<double>(ab[i]) * ab[i];
    norm_a = std::sqrt(norm_a);
    for (std::int64_t i = 0; i + 1 < n; ++i) EXPECT_LE(wb[i], wb[i + 1]) << "eigenvalues not ascending, block " << b;
    for (std::int64_t i = 0; i < n; ++i) {
      double residual = 0;
      for (std::int64_t r = 0; r < n; ++r) {
        long double aq = 0;
        for (std::int64_t c = 0; c < n; ++c) aq += static_cast<long double>(ab[r * n + c]) * qb[i * n + c];
        const double d = static_cast<double>(aq - static_cast<long double>(wb[i]) * qb[i * n + r]);
        residual += d * d;
      }
      residual = std::sqrt(residual);
      if (!(residual <= tol * norm_a) && failures++ < 5) {
        ADD_FAILURE() << "block " << b << ", pair " << i << ": ||A q - lambda q|| = " << residual << " > "
                      << tol * norm_a;
      }
      for (std::int64_t j = 0; j <= i; ++j) {
        long double dot = 0;
        for (std::int64_t r = 0; r < n; ++r) dot += static_cast<long double>(qb[i * n + r]) * qb[j * n + r];
        const double off = std::fabs(static_cast<double>(dot) - (i == j ? 1.0 : 0.0));
        if (!(off <= tol) && failures++ < 5) {
          ADD_FAILURE() << "block " << b << ": q_" << i << " . q_" << j << " deviates by " << off << " > " << tol;
        }
      }
    }
  }
  EXPECT_EQ(failures, 0);
}

template <class T>
void check_syevd_all_paths(cudaStream_t stream) {
  std::vector<kc::SyevdPath> paths = {kc::SyevdPath::automatic, kc::SyevdPath::per_matrix};
  if (kc::has_syev_batched()) paths.push_back(kc::SyevdPath::batched);
  kc::CusolverHandle handle;  // one handle for every size: its workspace grows as needed
  for (const kc::SyevdPath path : paths) {
    for (const std::int64_t n : {1, 8, 33, 128}) check_syevd<T>(stream, handle, n, 5, path);
  }
}

TEST_F(CudaDevice, SyevdResidualAndOrthogonalityFloat) { check_syevd_all_paths<float>(stream_); }
TEST_F(CudaDevice, SyevdResidualAndOrthogonalityDouble) { check_syevd_all_paths<double>(stream_); }

TEST_F(CudaDevice, SyevdOfEmptyMatricesZeroesInfo) {
  DeviceBuffer<int> info(std::vector<int>(4, -1));
  kc::CusolverHandle handle;
  kc::batched_syevd(handle, stream_, 0, 4, static_cast<float*>(nullptr), static_cast<float*>(nullptr), info.get());
  sync();
  EXPECT_EQ(info.download(), std::vector<int>(4, 0));
}

TEST_F(CudaDevice, SyevdAlternatingStreamsShareTheWorkspaceSafely) {
  cudaStream_t other = nullptr;
  kc::check_cuda(cudaStreamCreate(&other), "cudaStreamCreate");
  kc::CusolverHandle handle;
  check_syevd<double>(stream_, handle, 40, 3, kc::SyevdPath::per_matrix);
  check_syevd<double>(other, handle, 40, 3, kc::SyevdPath::per_matrix);
  check_syevd<double>(stream_, handle, 64, 3, kc::SyevdPath::per_matrix);  // grows the workspace
  cudaStreamDestroy(other);
}

#if KDASH_CUDA_ADAPTERS_HAVE_NCCL
TEST_F(CudaDevice, NcclSingleRankCollectives) {
  const ncclUniqueId id = kc::NcclCommunicator::unique_id();
  kc::NcclCommunicator comm(id, 0, 1);
  EXPECT_EQ(comm.size(), 1);
  const std::vector<float> values = {1.5f, -2.0f, 3.25f, 0.0f, 8.0f};
  DeviceBuffer<float> send(values), recv(values.size());
  // One rank: the gather is a copy and the sum is the identity.
  comm.all_gather(send.get(), recv.get(), values.size(), kc::DataType::f32, stream_);
  sync();
  EXPECT_EQ(recv.download(), values);
  recv.upload(std::vector<float>(values.size(), 0.0f));
  comm.all_reduce_sum(send.get(), recv.get(), values.size(), kc::DataType::f32, stream_);
  sync();
  EXPECT_EQ(recv.download(), values);
}
#endif

}  // namespace
