#include "policy/backend_state.h"

#include <gtest/gtest.h>

namespace fulcrum {
namespace {

TEST(BackendStateTableTest, GrowsOnDemandWithValueInitialisedState) {
  BackendStateTable<int> table;
  EXPECT_EQ(table.find(0), nullptr);
  table[5] += 7;
  ASSERT_NE(table.find(5), nullptr);
  EXPECT_EQ(*table.find(5), 7);
  ASSERT_NE(table.find(2), nullptr);
  EXPECT_EQ(*table.find(2), 0);
  EXPECT_EQ(table.find(6), nullptr);
}

TEST(BackendStateTableTest, ClearForgetsEverything) {
  BackendStateTable<int> table;
  table[1] = 3;
  table.clear();
  EXPECT_EQ(table.find(1), nullptr);
  EXPECT_EQ(table[1], 0);
}

}  // namespace
}  // namespace fulcrum
