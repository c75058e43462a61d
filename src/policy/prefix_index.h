// An approximate record of which prompt prefixes were sent to which backend, as the routers of
// SGLang and llm-d keep it: a trie over chained block hashes (RequestView::prefix_blocks). Since
// block i's hash covers every byte before it, the trie is stored flat as (block hash, backend)
// entries, and a backend matches the leading blocks it has entries for. Memory is capped: past
// `max_bytes` the least recently used entries go, deepest blocks first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <span>
#include <unordered_map>
#include <vector>

#include "policy/picker.h"

namespace fulcrum {

class PrefixIndex {
 public:
  // Bytes one entry costs: its LRU list node and its hash-table node with their allocation
  // headers, and its share of the bucket array.
  static constexpr std::size_t kEntryBytes = 112;

  explicit PrefixIndex(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // How many leading blocks of `blocks` were recorded for `backend_id` and are still held.
  std::size_t matched_blocks(std::span<const uint64_t> blocks, uint32_t backend_id) const;

  // Records that `blocks` went to `backend_id`: adds or refreshes their entries, the first block
  // as the most recent, then evicts the least recent entries while over the cap.
  void record(std::span<const uint64_t> blocks, uint32_t backend_id);

  std::size_t entry_count() const { return entries_.size(); }
  // The estimated memory the index holds; never above max_bytes() after record() returns.
  std::size_t size_bytes() const { return entries_.size() * kEntryBytes; }
  std::size_t max_bytes() const { return max_bytes_; }

 private:
  struct Key {
    uint64_t block_hash;
    uint32_t backend_id;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& key) const;
  };

  void touch(const Key& key);

  std::size_t max_bytes_;
  std::list<Key> recency_;  // front: most recently recorded
  std::unordered_map<Key, std::list<Key>::iterator, KeyHash> entries_;
};

// Base of the pickers that read prompts and keep a PrefixIndex: pick() is pick_explained() with
// the scores dropped.
class PrefixIndexPicker : public Picker {
 public:
  explicit PrefixIndexPicker(double max_index_bytes)
      : index_(static_cast<std::size_t>(max_index_bytes)) {}

  PickResult pick(const RequestView& request, std::span<const BackendView> backends) final {
    std::vector<CandidateScore> ignored;
    return pick_explained(request, backends, ignored);
  }
  bool needs_request_body() const final { return true; }
  std::size_t prefix_index_bytes() const final { return index_.size_bytes(); }

 protected:
  PrefixIndex index_;
};

}  // namespace fulcrum
