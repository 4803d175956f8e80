// The collectives kdash needs to distribute Shampoo blocks over ranks (design.md §5), behind one small interface so
// that the optimizer knows nothing of MPI or NCCL: SingleProcessCommunicator (no MPI), MpiCommunicator (host buffers,
// and GPU-aware device buffers with a host-mirror fallback) and NcclCommunicator (CUDA builds).
//
// Every operation is collective: all ranks of the communicator call it, in the same order, with matching sizes.
// Buffers are raw pointers tagged with where they live (MemoryKind), or Kokkos Views through the helpers below.
// Implementations fence Kokkos before handing a buffer to the transport, so callers need not.
#pragma once

#include <Kokkos_Core.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace kdash::distributed {

// Where a buffer lives: `host` memory, or the device memory of the build (the memory space of Kokkos' default
// execution space). In builds without a device the two are the same memory and `device` buffers are host buffers.
enum class MemoryKind { host, device };

// Raised on every rank when the ranks disagree (see Communicator::agree), so that no rank waits for the others.
class RankDisagreement : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  // "single", "mpi" or "nccl": for metrics and error messages.
  virtual std::string name() const = 0;

  // Variable-sized all-gather: rank r contributes counts[r] floats from `send`; on return `recv` holds every rank's
  // slice in rank order, rank r's at offset counts[0] + ... + counts[r-1]. counts must be the same on every rank
  // (counts.size() == size()); a slice may be empty. `send` and `recv` live in `where` and must not overlap, except
  // in place: `send` == recv + (this rank's offset), the own slice already in position.
  virtual void all_gather_v(const float* send, float* recv, const std::vector<std::size_t>& counts,
                            MemoryKind where) = 0;

  // In-place element-wise sum over the ranks of n values; every rank receives the same result.
  virtual void all_reduce_sum(float* data, std::size_t n, MemoryKind where) = 0;
  virtual void all_reduce_sum(double* data, std::size_t n, MemoryKind where) = 0;
  virtual void all_reduce_sum(std::uint64_t* data, std::size_t n, MemoryKind where) = 0;

  // Copies `bytes` host bytes from rank `root` to every rank.
  virtual void broadcast(void* data, std::size_t bytes, int root) = 0;

  virtual void barrier() = 0;

  // Gathers every rank's host bytes on `root`, in rank order; other ranks get an empty vector. Any size (the
  // transport cuts large payloads into pieces): checkpoints go through it.
  virtual std::vector<std::string> gather_bytes(const std::string& mine, int root) = 0;

  // Checks that every rank passes the same `hash` (of a configuration, a parameter list, ...). If they differ, every
  // rank throws RankDisagreement with the same message, naming `what` and the ranks that differ from rank 0; it
  // never hangs (a broadcast and an all-reduce of fixed size, whatever the hashes are). `what` should be a literal.
  void agree(std::uint64_t hash, const std::string& what);

  // Element offsets of each rank's slice in an all_gather_v result (size()+1 entries, the last one the total).
  static std::vector<std::size_t> displacements(const std::vector<std::size_t>& counts);

 protected:
  // Shared argument checks of all_gather_v, with messages that name the problem. Returns true for an in-place call.
  bool check_gather_arguments(const float* send, const float* recv, const std::vector<std::size_t>& counts) const;
};

// Runs `body` on every rank and makes its failure collective: if it throws on any rank, every rank throws the same
// exception type (std::invalid_argument or std::runtime_error) with the same message, the one of the lowest failing
// rank prefixed by its rank; otherwise every rank returns. For work whose failure is local (a file one rank cannot
// read, a record only one rank needs), so that no rank goes on into a collective the others have left.
void all_or_none(Communicator& comm, const std::function<void()>& body);

// --- Kokkos View front ends ---------------------------------------------------------------------------------------

namespace detail {
template <class View>
constexpr MemoryKind memory_kind_of() {
  using Space = typename View::memory_space;
  return Kokkos::SpaceAccessibility<Kokkos::HostSpace, Space>::accessible ? MemoryKind::host : MemoryKind::device;
}
template <class View>
void require_contiguous(const View& v, const char* what) {
  if (!v.span_is_contiguous())
    throw std::invalid_argument(std::string("kdash::distributed: the ") + what + " View must be contiguous");
}
}  // namespace detail

// all_gather_v on rank-1 Views: send.extent(0) must equal counts[comm.rank()], recv.extent(0) the sum of counts.
template <class SendView, class RecvView>
void all_gather_v(Communicator& comm, const SendView& send, const RecvView& recv,
                  const std::vector<std::size_t>& counts) {
  static_assert(SendView::rank == 1 && RecvView::rank == 1, "kdash::distributed::all_gather_v takes rank-1 Views");
  static_assert(std::is_same<typename SendView::non_const_value_type, float>::value &&
                    std::is_same<typename RecvView::value_type, float>::value,
                "kdash::distributed::all_gather_v gathers float Views into a non-const float View");
  static_assert(std::is_same<typename SendView::memory_space, typename RecvView::memory_space>::value,
                "kdash::distributed::all_gather_v: send and recv must live in the same memory space");
  detail::require_contiguous(send, "send");
  detail::require_contiguous(recv, "recv");
  if (counts.size() != static_cast<std::size_t>(comm.size()))
    throw std::invalid_argument("kdash::distributed::all_gather_v: " + std::to_string(counts.size()) +
                                " counts for a communicator of " + std::to_string(comm.size()) + " ranks");
  const auto total = Communicator::displacements(counts).back();
  if (send.extent(0) != counts[comm.rank()] || recv.extent(0) != total)
    throw std::invalid_argument("kdash::distributed::all_gather_v: rank " + std::to_string(comm.rank()) +
                                " passes a send View of " + std::to_string(send.extent(0)) + " (count " +
                                std::to_string(counts[comm.rank()]) + ") and a recv View of " +
                                std::to_string(recv.extent(0)) + " (total " + std::to_string(total) + ")");
  comm.all_gather_v(send.data(), recv.data(), counts, detail::memory_kind_of<SendView>());
}

// In place: `buffer` holds this rank's slice at its offset (counts[0] + ... + counts[rank-1]) and receives the rest.
template <class View>
void all_gather_v_in_place(Communicator& comm, const View& buffer, const std::vector<std::size_t>& counts) {
  static_assert(View::rank == 1 && std::is_same<typename View::value_type, float>::value,
                "kdash::distributed::all_gather_v_in_place takes a rank-1 View of float");
  detail::require_contiguous(buffer, "in-place gather");
  if (counts.size() != static_cast<std::size_t>(comm.size()))
    throw std::invalid_argument("kdash::distributed::all_gather_v_in_place: " + std::to_string(counts.size()) +
                                " counts for a communicator of " + std::to_string(comm.size()) + " ranks");
  const auto displ = Communicator::displacements(counts);
  if (buffer.extent(0) != displ.back())
    throw std::invalid_argument("kdash::distributed::all_gather_v_in_place: rank " + std::to_string(comm.rank()) +
                                " passes a View of " + std::to_string(buffer.extent(0)) + " for a total of " +
                                std::to_string(displ.back()));
  comm.all_gather_v(buffer.data() + displ[comm.rank()], buffer.data(), counts, detail::memory_kind_of<View>());
}

// In-place all_reduce_sum of a contiguous View of float, double or uint64_t.
template <class View>
void all_reduce_sum(Communicator& comm, const View& data) {
  detail::require_contiguous(data, "all_reduce_sum");
  comm.all_reduce_sum(data.data(), data.span(), detail::memory_kind_of<View>());
}

}  // namespace kdash::distributed
