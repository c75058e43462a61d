// The paged KV cache of a vLLM-like engine with automatic prefix caching. Memory is a pool of
// fixed-size blocks. A full block of prompt tokens is named by the hash of its tokens chained with
// the hash of the block before it, so one hash names a whole prefix. Blocks no sequence references
// stay cached in a free queue and are reused least recently released first: a sequence's blocks are
// queued tail first, so a shared prefix outlives the tails that hang off it (as vLLM's block pool).
#pragma once

#include <cstdint>
#include <list>
#include <span>
#include <unordered_map>
#include <vector>

#include "emulator/tokenizer.h"

namespace fulcrum::emulator {

using BlockId = int32_t;

// Chained hashes of the full blocks of `tokens`: hash_i = H(hash_{i-1}, tokens of block i).
std::vector<uint64_t> hash_full_blocks(std::span<const TokenId> tokens, int64_t block_size);

class KvCache {
 public:
  KvCache(int64_t num_blocks, int64_t block_size);

  struct PrefixMatch {
    int64_t blocks = 0;               // leading hashes found in the cache
    int64_t unreferenced_blocks = 0;  // of those, blocks sitting in the free queue
  };
  // How many leading `hashes` (at most `limit`) are cached; changes nothing.
  PrefixMatch match_prefix(std::span<const uint64_t> hashes, int64_t limit) const;
  // Takes a reference on the cached blocks of the first `count` hashes (all cached; see
  // match_prefix) and appends them to `blocks`.
  void acquire_prefix(std::span<const uint64_t> hashes, int64_t count,
                      std::vector<BlockId>& blocks);

  // Appends `count` fresh blocks to `blocks`, evicting the least recently released cached ones;
  // false, changing nothing, when fewer than `count` blocks are free.
  bool allocate(int64_t count, std::vector<BlockId>& blocks);
  // Names a full block by its chain hash so that later prompts can reuse it; a hash cached already
  // keeps its first block.
  void cache_full_block(BlockId block, uint64_t hash);
  // Drops a sequence's references (tail block first into the free queue) and clears `blocks`.
  void release(std::vector<BlockId>& blocks);

  int64_t num_blocks() const { return static_cast<int64_t>(blocks_.size()); }
  int64_t block_size() const { return block_size_; }
  // Free blocks, cached or not: what allocate() can hand out.
  int64_t free_blocks() const { return static_cast<int64_t>(free_queue_.size()); }
  // Fraction of blocks referenced by sequences, as vLLM's kv_cache_usage_perc (0..1).
  double usage() const;
  int64_t cached_blocks() const { return static_cast<int64_t>(cached_.size()); }
  int64_t evictions() const { return evictions_; }
  // Whether `hash` names a cached block now.
  bool is_cached(uint64_t hash) const { return cached_.contains(hash); }

 private:
  struct Block {
    int32_t references = 0;
    bool has_hash = false;
    uint64_t hash = 0;
    std::list<BlockId>::iterator free_position;  // valid while references == 0
  };

  void take_from_free_queue(BlockId block);

  int64_t block_size_;
  std::vector<Block> blocks_;
  std::list<BlockId> free_queue_;  // front: evicted first
  std::unordered_map<uint64_t, BlockId> cached_;
  int64_t evictions_ = 0;
};

}  // namespace fulcrum::emulator
