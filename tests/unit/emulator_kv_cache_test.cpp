#include "emulator/kv_cache.h"

#include <vector>

#include <gtest/gtest.h>

namespace fulcrum::emulator {
namespace {

TEST(EmulatorKvCacheTest, BlockHashesChainSoEqualBlocksAfterDifferentPrefixesDiffer) {
  std::vector<TokenId> first = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::vector<TokenId> second = {9, 9, 9, 9, 5, 6, 7, 8};
  std::vector<uint64_t> first_hashes = hash_full_blocks(first, 4);
  std::vector<uint64_t> second_hashes = hash_full_blocks(second, 4);
  ASSERT_EQ(first_hashes.size(), 2U);  // the ninth token is no full block
  ASSERT_EQ(second_hashes.size(), 2U);
  EXPECT_NE(first_hashes[1], second_hashes[1]);
  EXPECT_EQ(hash_full_blocks(first, 4), first_hashes);
}

TEST(EmulatorKvCacheTest, ReleasedBlocksStayCachedUntilEvictedLeastRecentlyReleasedFirst) {
  KvCache cache(4, 2);
  std::vector<BlockId> first;
  std::vector<BlockId> second;
  ASSERT_TRUE(cache.allocate(2, first));
  ASSERT_TRUE(cache.allocate(2, second));
  cache.cache_full_block(first[0], 10);
  cache.cache_full_block(first[1], 11);
  cache.cache_full_block(second[0], 20);
  cache.cache_full_block(second[1], 21);
  EXPECT_EQ(cache.usage(), 1.0);
  cache.release(first);   // queue: 11, 10
  cache.release(second);  // queue: 11, 10, 21, 20
  EXPECT_EQ(cache.usage(), 0.0);
  EXPECT_EQ(cache.cached_blocks(), 4);

  std::vector<BlockId> taken;
  ASSERT_TRUE(cache.allocate(1, taken));  // evicts the tail of the first sequence
  EXPECT_FALSE(cache.is_cached(11));
  EXPECT_TRUE(cache.is_cached(10));
  ASSERT_TRUE(cache.allocate(1, taken));
  EXPECT_FALSE(cache.is_cached(10));
  EXPECT_TRUE(cache.is_cached(21));
  EXPECT_TRUE(cache.is_cached(20));
  EXPECT_EQ(cache.evictions(), 2);
  EXPECT_FALSE(cache.allocate(3, taken));
  EXPECT_EQ(taken.size(), 2U);
}

TEST(EmulatorKvCacheTest, ReusingACachedPrefixTakesItOutOfTheEvictionQueue) {
  KvCache cache(3, 2);
  std::vector<BlockId> first;
  ASSERT_TRUE(cache.allocate(2, first));
  cache.cache_full_block(first[0], 10);
  cache.cache_full_block(first[1], 11);
  cache.release(first);

  std::vector<uint64_t> hashes = {10, 11, 12};
  KvCache::PrefixMatch match = cache.match_prefix(hashes, 3);
  EXPECT_EQ(match.blocks, 2);
  EXPECT_EQ(match.unreferenced_blocks, 2);
  EXPECT_EQ(cache.match_prefix(hashes, 1).blocks, 1);
  std::vector<uint64_t> other = {99, 10};
  EXPECT_EQ(cache.match_prefix(other, 2).blocks, 0);

  std::vector<BlockId> reused;
  cache.acquire_prefix(hashes, 2, reused);
  EXPECT_EQ(cache.free_blocks(), 1);
  std::vector<BlockId> fresh;
  ASSERT_TRUE(cache.allocate(1, fresh));
  EXPECT_TRUE(cache.is_cached(10));
  EXPECT_TRUE(cache.is_cached(11));
  EXPECT_EQ(cache.match_prefix(hashes, 3).unreferenced_blocks, 0);
}

TEST(EmulatorKvCacheTest, AHashCachedTwiceKeepsItsFirstBlock) {
  KvCache cache(2, 2);
  std::vector<BlockId> first;
  std::vector<BlockId> second;
  ASSERT_TRUE(cache.allocate(1, first));
  ASSERT_TRUE(cache.allocate(1, second));
  cache.cache_full_block(first[0], 10);
  cache.cache_full_block(second[0], 10);
  EXPECT_EQ(cache.cached_blocks(), 1);
  cache.release(first);
  std::vector<BlockId> reused;
  std::vector<uint64_t> hashes = {10};
  cache.acquire_prefix(hashes, 1, reused);
  EXPECT_EQ(reused[0], 0);
}

}  // namespace
}  // namespace fulcrum::emulator
