#include "bench/memory_budget.hpp"

#include <kdash/backends/execution.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace kdash::tools::bench {

namespace {

// A cgroup's memory limit in bytes (v2, then v1), or 0 when there is none ("max", absent, unreadable).
std::uint64_t cgroup_memory_limit() {
  for (const char* file : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(file);
    std::uint64_t limit = 0;
    if (in >> limit && limit > 0) return limit;
  }
  return 0;
}

}  // namespace

MemoryBudget this_machine_memory() {
  MemoryBudget budget;
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0) budget.host_bytes = std::uint64_t(pages) * std::uint64_t(page);
  const std::uint64_t limit = cgroup_memory_limit();  // a container's limit, when below the machine's memory
  if (limit > 0 && limit < budget.host_bytes) budget.host_bytes = limit;
  if (Kokkos::SpaceAccessibility<Kokkos::HostSpace, DefaultExecSpace::memory_space>::accessible) {
    budget.parameter_bytes = budget.host_bytes;
  }
  return budget;
}

std::string human_bytes(long double bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024 && u < 6) {
    bytes /= 1024;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0Lf %s" : "%.1Lf %s", bytes, units[u]);
  return buf;
}

void require_fits(const std::string& what, std::int64_t params, std::int64_t elements, const std::string& largest,
                  const MemoryBudget& budget) {
  const long double data = static_cast<long double>(elements) * kBytesPerElement;
  if (data > static_cast<long double>(budget.parameter_bytes)) {
    throw std::invalid_argument(what + ": its parameters and gradients alone need " + human_bytes(data) + " (" +
                                std::to_string(elements) + " elements x " + std::to_string(kBytesPerElement) +
                                " bytes; largest parameter " + largest + "), more than the " +
                                human_bytes(budget.parameter_bytes) + " of memory available here");
  }
  const long double host = static_cast<long double>(params) * kHostBytesPerParam;
  if (host > static_cast<long double>(budget.host_bytes)) {
    throw std::invalid_argument(what + ": " + std::to_string(params) + " parameters need at least " +
                                human_bytes(host) + " of host memory for their bookkeeping, more than the " +
                                human_bytes(budget.host_bytes) + " available here");
  }
}

}  // namespace kdash::tools::bench
