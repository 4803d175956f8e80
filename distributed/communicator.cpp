// Communicator: the parts shared by every implementation (agreement check, displacements, argument checks).
#include <kdash/distributed/communicator.hpp>

#include <cinttypes>
#include <cstdint>
#include <cstdio>

namespace kdash::distributed {

std::vector<std::size_t> Communicator::displacements(const std::vector<std::size_t>& counts) {
  std::vector<std::size_t> displ(counts.size() + 1, 0);
  for (std::size_t r = 0; r < counts.size(); ++r) displ[r + 1] = displ[r] + counts[r];
  return displ;
}

bool Communicator::check_gather_arguments(const float* send, const float* recv,
                                          const std::vector<std::size_t>& counts) const {
  const std::string where = "kdash::distributed::" + name() + " all_gather_v on rank " + std::to_string(rank()) + ": ";
  if (counts.size() != static_cast<std::size_t>(size()))
    throw std::invalid_argument(where + std::to_string(counts.size()) + " counts for " + std::to_string(size()) +
                                " ranks");
  const auto displ = displacements(counts);
  if (counts[rank()] > 0 && send == nullptr) throw std::invalid_argument(where + "null send buffer");
  if (displ.back() > 0 && recv == nullptr) throw std::invalid_argument(where + "null receive buffer");
  if (send == recv + displ[rank()]) return true;  // in place (also: an empty own slice at its offset)
  // The own slice is copied into recv: overlapping buffers would be read after being overwritten.
  const auto s0 = reinterpret_cast<std::uintptr_t>(send), r0 = reinterpret_cast<std::uintptr_t>(recv);
  const auto s1 = s0 + counts[rank()] * sizeof(float), r1 = r0 + displ.back() * sizeof(float);
  if (counts[rank()] > 0 && displ.back() > 0 && s0 < r1 && r0 < s1)
    throw std::invalid_argument(where + "send and receive buffers overlap (and send is not this rank's slice)");
  return false;
}

void Communicator::agree(std::uint64_t hash, const std::string& what) {
  // Rank 0's hash goes to everybody; each rank then flags itself if it differs. Summing the flags (one slot per
  // rank) tells every rank the same set of differing ranks, so all of them throw the same message — or none does.
  // Both collectives have sizes independent of the hashes: the check cannot hang.
  std::uint64_t reference = hash;
  broadcast(&reference, sizeof(reference), 0);
  std::vector<std::uint64_t> differs(static_cast<std::size_t>(size()), 0);
  differs[static_cast<std::size_t>(rank())] = reference == hash ? 0 : 1;
  all_reduce_sum(differs.data(), differs.size(), MemoryKind::host);
  std::string ranks;
  int count = 0;
  for (std::size_t r = 0; r < differs.size(); ++r) {
    if (differs[r] == 0) continue;
    ranks += (count++ == 0 ? "" : ", ") + std::to_string(r);
  }
  if (count == 0) return;
  char hex[32];
  std::snprintf(hex, sizeof(hex), "%016" PRIx64, reference);
  throw RankDisagreement("kdash: the " + std::to_string(size()) + " ranks of the " + name() +
                         " communicator disagree on " + what + ": rank" + (count > 1 ? "s " : " ") + ranks +
                         (count > 1 ? " differ" : " differs") + " from rank 0 (hash " + hex +
                         "); every rank must be started with the same configuration and parameter list");
}

void all_or_none(Communicator& comm, const std::function<void()>& body) {
  if (comm.size() == 1) {
    body();
    return;
  }
  // 0: success, 1: std::invalid_argument, 2: any other exception.
  std::uint64_t kind = 0;
  std::string message;
  try {
    body();
  } catch (const std::invalid_argument& e) {
    kind = 1;
    message = e.what();
  } catch (const std::exception& e) {
    kind = 2;
    message = e.what();
  } catch (...) {
    kind = 2;
    message = "unknown exception";
  }
  // Slot r holds rank r's kind: every rank learns who failed and how, then hears the lowest failing rank's message.
  std::vector<std::uint64_t> kinds(static_cast<std::size_t>(comm.size()), 0);
  kinds[static_cast<std::size_t>(comm.rank())] = kind;
  comm.all_reduce_sum(kinds.data(), kinds.size(), MemoryKind::host);
  int first = -1;
  for (std::size_t r = 0; r < kinds.size() && first < 0; ++r)
    if (kinds[r] != 0) first = static_cast<int>(r);
  if (first < 0) return;
  std::uint64_t length = message.size();
  comm.broadcast(&length, sizeof(length), first);
  message.resize(length);
  comm.broadcast(&message[0], length, first);
  message = "rank " + std::to_string(first) + ": " + message;
  if (kinds[static_cast<std::size_t>(first)] == 1) throw std::invalid_argument(message);
  throw std::runtime_error(message);
}

}  // namespace kdash::distributed
