// GatherLayout: offsets of the packed blocks in the send slices and the gathered buffer.
#include <kdash/distributed/gather_layout.hpp>

#include <stdexcept>
#include <string>

namespace kdash::distributed {

GatherLayout::GatherLayout(const std::vector<int>& owner, const std::vector<std::size_t>& elements, int ranks,
                           const std::vector<std::size_t>& order)
    : elements_(elements) {
  const std::string where = "kdash::distributed::GatherLayout: ";
  if (ranks < 1) throw std::invalid_argument(where + std::to_string(ranks) + " ranks; need at least one");
  const std::size_t n = owner.size();
  if (elements.size() != n)
    throw std::invalid_argument(where + std::to_string(n) + " owners but " + std::to_string(elements.size()) +
                                " element counts");
  std::vector<std::size_t> packing = order;
  if (packing.empty()) {
    packing.resize(n);
    for (std::size_t b = 0; b < n; ++b) packing[b] = b;
  }
  if (packing.size() != n)
    throw std::invalid_argument(where + "the packing order lists " + std::to_string(packing.size()) + " of " +
                                std::to_string(n) + " blocks");
  std::vector<char> seen(n, 0);
  counts_.assign(static_cast<std::size_t>(ranks), 0);
  local_offset_.assign(n, 0);
  for (std::size_t b : packing) {
    if (b >= n || seen[b])
      throw std::invalid_argument(where + "the packing order names block " + std::to_string(b) +
                                  (b >= n ? " (out of range)" : " twice"));
    seen[b] = 1;
    if (owner[b] < 0 || owner[b] >= ranks)
      throw std::invalid_argument(where + "block " + std::to_string(b) + " is owned by rank " +
                                  std::to_string(owner[b]) + " of " + std::to_string(ranks));
    auto& count = counts_[static_cast<std::size_t>(owner[b])];
    local_offset_[b] = count;
    count += elements[b];
  }
  std::vector<std::size_t> displ(counts_.size() + 1, 0);
  for (std::size_t r = 0; r < counts_.size(); ++r) displ[r + 1] = displ[r] + counts_[r];
  total_ = displ.back();
  offset_.resize(n);
  for (std::size_t b = 0; b < n; ++b) offset_[b] = displ[static_cast<std::size_t>(owner[b])] + local_offset_[b];
}

}  // namespace kdash::distributed
