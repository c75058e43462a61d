#include "policy/prefix_index.h"

#include "core/random.h"

namespace fulcrum {

std::size_t PrefixIndex::KeyHash::operator()(const Key& key) const {
  // Block hashes are already well mixed; the backend id only has to move them apart.
  return static_cast<std::size_t>(key.block_hash ^ mix64(key.backend_id));
}

std::size_t PrefixIndex::matched_blocks(std::span<const uint64_t> blocks,
                                        uint32_t backend_id) const {
  std::size_t matched = 0;
  while (matched < blocks.size() && entries_.contains(Key{blocks[matched], backend_id})) {
    ++matched;
  }
  return matched;
}

void PrefixIndex::record(std::span<const uint64_t> blocks, uint32_t backend_id) {
  // Deepest first, so the shared leading blocks end up the most recent and are evicted last.
  for (std::size_t index = blocks.size(); index-- > 0;) touch(Key{blocks[index], backend_id});
  while (size_bytes() > max_bytes_ && !recency_.empty()) {
    entries_.erase(recency_.back());
    recency_.pop_back();
  }
}

void PrefixIndex::touch(const Key& key) {
  auto found = entries_.find(key);
  if (found != entries_.end()) {
    recency_.splice(recency_.begin(), recency_, found->second);
    return;
  }
  recency_.push_front(key);
  entries_.emplace(key, recency_.begin());
}

}  // namespace fulcrum
