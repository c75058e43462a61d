#include "policy/prefix_index.h"

#include <gtest/gtest.h>

#include <vector>

#include "picker_test_support.h"

namespace fulcrum {
namespace {

TEST(PrefixIndexTest, MatchesTheLeadingBlocksRecordedForThatBackend) {
  PrefixIndex index(1 << 20);
  index.record(chained_blocks({1, 2, 3, 4}), 0);
  EXPECT_EQ(index.matched_blocks(chained_blocks({1, 2, 3, 4}), 0), 4u);
  EXPECT_EQ(index.matched_blocks(chained_blocks({1, 2, 7, 4}), 0), 2u);
  EXPECT_EQ(index.matched_blocks(chained_blocks({9, 2, 3, 4}), 0), 0u);
  EXPECT_EQ(index.matched_blocks(chained_blocks({1, 2, 3, 4, 5, 6}), 0), 4u);
  EXPECT_EQ(index.matched_blocks(chained_blocks({1, 2, 3, 4}), 1), 0u);
  EXPECT_EQ(index.entry_count(), 4u);
  index.record(chained_blocks({1, 2, 3, 4}), 0);  // refreshing adds nothing
  EXPECT_EQ(index.entry_count(), 4u);
  EXPECT_EQ(index.size_bytes(), 4 * PrefixIndex::kEntryBytes);
}

TEST(PrefixIndexTest, EvictsTheLeastRecentDeepestBlocksFirst) {
  PrefixIndex index(5 * PrefixIndex::kEntryBytes);
  index.record(chained_blocks({1, 2, 3}), 0);
  index.record(chained_blocks({4, 5, 6}), 0);
  // Six entries for room for five: the deepest block of the older prompt goes.
  EXPECT_EQ(index.entry_count(), 5u);
  EXPECT_EQ(index.matched_blocks(chained_blocks({1, 2, 3}), 0), 2u);
  EXPECT_EQ(index.matched_blocks(chained_blocks({4, 5, 6}), 0), 3u);
  index.record(chained_blocks({7}), 0);
  EXPECT_EQ(index.matched_blocks(chained_blocks({1, 2, 3}), 0), 1u);
}

TEST(PrefixIndexTest, StaysUnderItsCapWhenFloodedWithUniquePrompts) {
  const std::size_t cap = 64 * 1024;
  PrefixIndex index(cap);
  for (uint64_t prompt = 0; prompt < 20'000; ++prompt) {
    index.record(chained_blocks({prompt, prompt + 1, prompt + 2, prompt + 3}),
                 static_cast<uint32_t>(prompt % 4));
    ASSERT_LE(index.size_bytes(), cap) << "after prompt " << prompt;
  }
  EXPECT_EQ(index.entry_count(), cap / PrefixIndex::kEntryBytes);
  // The newest prompt is whole, the oldest are gone.
  EXPECT_EQ(index.matched_blocks(chained_blocks({19'999, 20'000, 20'001, 20'002}), 3), 4u);
  EXPECT_EQ(index.matched_blocks(chained_blocks({0, 1, 2, 3}), 0), 0u);
}

}  // namespace
}  // namespace fulcrum
