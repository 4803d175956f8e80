// Linked into the corpus replays: a single allocation through operator new of more than 256 MiB aborts. Every corpus
// file is far smaller than 1 MiB, so a reader asking for that much trusted a size field of the file (the bound on
// allocation the readers promise). Sanitizer builds keep their own allocator: there libFuzzer's -malloc_limit_mb
// and AddressSanitizer's allocation checks take this part.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KDASH_FUZZ_HAS_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define KDASH_FUZZ_HAS_ASAN 1
#endif

#ifndef KDASH_FUZZ_HAS_ASAN
#include <cstdio>
#include <cstdlib>
#include <new>

namespace {

constexpr std::size_t kAllocationLimit = std::size_t(256) << 20;

void* allocate(std::size_t size) {
  if (size > kAllocationLimit) {
    std::fprintf(stderr, "kdash fuzz: contract violation: an allocation of %zu bytes (limit %zu)\n", size,
                 kAllocationLimit);
    std::abort();
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif
