#include "policy/bounded_load.h"

#include <gtest/gtest.h>

#include <vector>

#include "picker_test_support.h"

namespace fulcrum {
namespace {

TEST(BoundedLoadTest, CapIsTheCeilingOfFactorTimesAverageLoadPlusOne) {
  std::vector<BackendView> backends = make_backends(4);
  EXPECT_EQ(bounded_load_cap(backends, 1.25), 1u);  // ceil(1.25 * 1 / 4)
  backends[0].in_flight = 10;
  backends[1].in_flight = 5;
  EXPECT_EQ(bounded_load_cap(backends, 1.25), 5u);  // ceil(1.25 * 16 / 4)
  backends[1].healthy = false;                      // its 5 no longer count
  EXPECT_EQ(bounded_load_cap(backends, 1.25), 5u);  // ceil(1.25 * 11 / 3) = ceil(4.58)
  EXPECT_EQ(bounded_load_cap(backends, 2), 8u);     // ceil(2 * 11 / 3) = ceil(7.33)
  for (BackendView& backend : backends) backend.draining = true;
  EXPECT_EQ(bounded_load_cap(backends, 1.25), 0u);
}

TEST(BoundedLoadTest, RendezvousDependsOnlyOnKeyAndName) {
  std::vector<BackendView> forward = make_named_backends({"a", "b", "c", "d"});
  std::vector<BackendView> reversed = make_named_backends({"d", "c", "b", "a"});
  for (uint64_t key = 0; key < 200; ++key) {
    std::optional<std::size_t> first = rendezvous_under_cap(forward, key, 1);
    std::optional<std::size_t> second = rendezvous_under_cap(reversed, key, 1);
    ASSERT_TRUE(first && second);
    ASSERT_EQ(forward[*first].name, reversed[*second].name) << "key " << key;
  }
}

TEST(BoundedLoadTest, RendezvousSkipsBackendsAtTheCapAndSpreadsKeys) {
  std::vector<BackendView> backends = make_named_backends({"a", "b", "c", "d"});
  std::vector<int> counts(4, 0);
  for (uint64_t key = 0; key < 4000; ++key) ++counts[*rendezvous_under_cap(backends, key, 1)];
  for (int count : counts) EXPECT_NEAR(count, 1000, 150);

  const uint64_t key = 7;
  const std::size_t home = *rendezvous_under_cap(backends, key, 1);
  backends[home].in_flight = 3;
  std::optional<std::size_t> spilled = rendezvous_under_cap(backends, key, 3);
  ASSERT_TRUE(spilled.has_value());
  EXPECT_NE(*spilled, home);
  EXPECT_EQ(rendezvous_under_cap(backends, key, 4), home);
}

}  // namespace
}  // namespace fulcrum
