#include "policy/round_robin.h"

#include <gtest/gtest.h>

#include <vector>

#include "picker_test_support.h"

namespace fulcrum {
namespace {

TEST(RoundRobinTest, TakesEachBackendInTurn) {
  std::unique_ptr<Picker> picker = make_test_picker("round_robin");
  ASSERT_NE(picker, nullptr);
  const std::vector<BackendView> backends = make_named_backends({"a", "b", "c"});
  EXPECT_EQ(pick_sequence(*picker, backends, 7), "a b c a b c a");
}

TEST(RoundRobinTest, SkipsAnUnhealthyBackendWithoutFavouringItsSuccessor) {
  std::unique_ptr<Picker> picker = make_test_picker("round_robin");
  ASSERT_NE(picker, nullptr);
  std::vector<BackendView> backends = make_named_backends({"a", "b", "c", "d"});
  backends[1].healthy = false;
  EXPECT_EQ(pick_sequence(*picker, backends, 6), "a c d a c d");
  backends[1].healthy = true;
  EXPECT_EQ(pick_sequence(*picker, backends, 4), "a b c d");
}

TEST(RoundRobinTest, KeepsGoingWhenThePoolShrinks) {
  std::unique_ptr<Picker> picker = make_test_picker("round_robin");
  ASSERT_NE(picker, nullptr);
  const std::vector<BackendView> three = make_named_backends({"a", "b", "c"});
  EXPECT_EQ(pick_sequence(*picker, three, 2), "a b");
  const std::vector<BackendView> two = make_named_backends({"a", "b"});
  picker->on_backends_changed(two);
  EXPECT_EQ(pick_sequence(*picker, two, 3), "a b a");
}

TEST(RoundRobinTest, IgnoresLoadAndWeight) {
  RoundRobinPicker picker;
  std::vector<BackendView> backends = make_named_backends({"a", "b"});
  backends[0].in_flight = 100;
  backends[1].weight = 9;
  EXPECT_EQ(pick_sequence(picker, backends, 4), "a b a b");
}

}  // namespace
}  // namespace fulcrum
