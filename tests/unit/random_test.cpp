#include "core/random.h"

#include <gtest/gtest.h>

#include <array>

#include "core/hash.h"

namespace fulcrum {
namespace {

TEST(RngTest, SameSeedSameSequenceDifferentSeedDifferentSequence) {
  Rng a(7);
  Rng b(7);
  Rng c(8);
  int differences = 0;
  for (int i = 0; i < 100; ++i) {
    uint64_t value = a.next();
    EXPECT_EQ(value, b.next());
    differences += value != c.next() ? 1 : 0;
  }
  EXPECT_EQ(differences, 100);
}

TEST(RngTest, UniformStaysInRangeAndCoversIt) {
  Rng rng(1);
  std::array<int, 10> counts{};
  for (int i = 0; i < 100000; ++i) {
    uint64_t value = rng.uniform(10);
    ASSERT_LT(value, 10u);
    ++counts[value];
  }
  // Each bucket expects 10,000; 5 standard deviations is about 475.
  for (int count : counts) EXPECT_NEAR(count, 10000, 475);
  double fraction = rng.uniform01();
  EXPECT_GE(fraction, 0.0);
  EXPECT_LT(fraction, 1.0);
}

TEST(HashTest, StableAcrossRunsAndSensitiveToEveryByte) {
  EXPECT_EQ(hash_bytes("backend-1#0"), hash_bytes("backend-1#0"));
  EXPECT_NE(hash_bytes("backend-1#0"), hash_bytes("backend-1#1"));
  EXPECT_NE(hash_bytes("abc", 1), hash_bytes("abc", 2));
  // Pinned value: the hash ring layout must not change between releases.
  EXPECT_EQ(hash_bytes(""), mix64(0xcbf29ce484222325ULL));
}

}  // namespace
}  // namespace fulcrum
