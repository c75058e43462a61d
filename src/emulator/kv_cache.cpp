#include "emulator/kv_cache.h"

#include <algorithm>
#include <cassert>

#include "core/random.h"

namespace fulcrum::emulator {

std::vector<uint64_t> hash_full_blocks(std::span<const TokenId> tokens, int64_t block_size) {
  std::vector<uint64_t> hashes;
  auto size = static_cast<int64_t>(tokens.size());
  hashes.reserve(static_cast<std::size_t>(size / block_size));
  uint64_t previous = 0x6b76u;
  for (int64_t start = 0; start + block_size <= size; start += block_size) {
    uint64_t hash = mix64(previous);
    for (int64_t offset = 0; offset < block_size; ++offset) {
      hash = mix64(hash ^ tokens[static_cast<std::size_t>(start + offset)]);
    }
    hashes.push_back(hash);
    previous = hash;
  }
  return hashes;
}

KvCache::KvCache(int64_t num_blocks, int64_t block_size)
    : block_size_(block_size), blocks_(static_cast<std::size_t>(num_blocks)) {
  for (BlockId block = 0; block < static_cast<BlockId>(num_blocks); ++block) {
    blocks_[static_cast<std::size_t>(block)].free_position =
        free_queue_.insert(free_queue_.end(), block);
  }
}

KvCache::PrefixMatch KvCache::match_prefix(std::span<const uint64_t> hashes, int64_t limit) const {
  PrefixMatch match;
  for (uint64_t hash : hashes) {
    if (match.blocks == limit) break;
    auto found = cached_.find(hash);
    if (found == cached_.end()) break;
    ++match.blocks;
    if (blocks_[static_cast<std::size_t>(found->second)].references == 0) {
      ++match.unreferenced_blocks;
    }
  }
  return match;
}

void KvCache::acquire_prefix(std::span<const uint64_t> hashes, int64_t count,
                             std::vector<BlockId>& blocks) {
  for (int64_t index = 0; index < count; ++index) {
    BlockId block = cached_.at(hashes[static_cast<std::size_t>(index)]);
    if (blocks_[static_cast<std::size_t>(block)].references == 0) take_from_free_queue(block);
    ++blocks_[static_cast<std::size_t>(block)].references;
    blocks.push_back(block);
  }
}

bool KvCache::allocate(int64_t count, std::vector<BlockId>& blocks) {
  if (count > free_blocks()) return false;
  for (int64_t index = 0; index < count; ++index) {
    BlockId block = free_queue_.front();
    take_from_free_queue(block);
    Block& state = blocks_[static_cast<std::size_t>(block)];
    if (state.has_hash) {
      cached_.erase(state.hash);
      state.has_hash = false;
      ++evictions_;
    }
    state.references = 1;
    blocks.push_back(block);
  }
  return true;
}

void KvCache::cache_full_block(BlockId block, uint64_t hash) {
  Block& state = blocks_[static_cast<std::size_t>(block)];
  if (state.has_hash) return;
  if (!cached_.emplace(hash, block).second) return;
  state.has_hash = true;
  state.hash = hash;
}

void KvCache::release(std::vector<BlockId>& blocks) {
  for (auto block = blocks.rbegin(); block != blocks.rend(); ++block) {
    Block& state = blocks_[static_cast<std::size_t>(*block)];
    assert(state.references > 0);
    if (--state.references == 0) {
      state.free_position = free_queue_.insert(free_queue_.end(), *block);
    }
  }
  blocks.clear();
}

double KvCache::usage() const {
  if (blocks_.empty()) return 0;
  return 1.0 - static_cast<double>(free_blocks()) / static_cast<double>(blocks_.size());
}

void KvCache::take_from_free_queue(BlockId block) {
  free_queue_.erase(blocks_[static_cast<std::size_t>(block)].free_position);
}

}  // namespace fulcrum::emulator
