#include "policy/weighted_round_robin.h"

#include <gtest/gtest.h>

#include <vector>

#include "picker_test_support.h"

namespace fulcrum {
namespace {

std::vector<BackendView> weighted(std::initializer_list<uint32_t> weights) {
  return backends_with(&BackendView::weight, weights);
}

TEST(WeightedRoundRobinTest, SmoothSequenceLikeNginx) {
  std::unique_ptr<Picker> picker = make_test_picker("weighted_round_robin");
  ASSERT_NE(picker, nullptr);
  const std::vector<BackendView> backends = weighted({5, 1, 1});
  EXPECT_EQ(pick_sequence(*picker, backends, 7), "a a b a c a a");
  EXPECT_EQ(pick_sequence(*picker, backends, 7), "a a b a c a a");
}

TEST(WeightedRoundRobinTest, OtherWeights) {
  WeightedRoundRobinPicker picker;
  EXPECT_EQ(pick_sequence(picker, weighted({2, 1}), 6), "a b a a b a");
  picker.on_backends_changed(weighted({1, 1, 1}));
  EXPECT_EQ(pick_sequence(picker, weighted({1, 1, 1}), 6), "a b c a b c");
}

TEST(WeightedRoundRobinTest, CountsAreExactlyProportionalToWeights) {
  WeightedRoundRobinPicker picker;
  const std::vector<BackendView> backends = weighted({5, 1, 1});
  EXPECT_EQ(pick_counts(picker, backends, 7000), (std::vector<int>{5000, 1000, 1000}));
  const std::vector<BackendView> four = weighted({3, 7, 2, 8});
  picker.on_backends_changed(four);
  EXPECT_EQ(pick_counts(picker, four, 2000), (std::vector<int>{300, 700, 200, 800}));
}

TEST(WeightedRoundRobinTest, SkipsIneligibleBackends) {
  WeightedRoundRobinPicker picker;
  std::vector<BackendView> backends = weighted({5, 1, 1, 2});
  backends[0].healthy = false;
  backends[3].weight = 0;
  EXPECT_EQ(pick_sequence(picker, backends, 4), "b c b c");
}

TEST(WeightedRoundRobinTest, BackendsChangedRestartsTheCycle) {
  WeightedRoundRobinPicker picker;
  const std::vector<BackendView> backends = weighted({5, 1, 1});
  EXPECT_EQ(pick_sequence(picker, backends, 3), "a a b");
  picker.on_backends_changed(backends);
  EXPECT_EQ(pick_sequence(picker, backends, 7), "a a b a c a a");
}

TEST(WeightedRoundRobinTest, StateFollowsTheBackendIdNotItsPosition) {
  WeightedRoundRobinPicker picker;
  std::vector<BackendView> backends = weighted({5, 1, 1});
  EXPECT_EQ(pick_sequence(picker, backends, 3), "a a b");
  std::reverse(backends.begin(), backends.end());
  EXPECT_EQ(pick_sequence(picker, backends, 4), "a c a a");
}

TEST(WeightedRoundRobinTest, SparseIdsGetTheirOwnState) {
  WeightedRoundRobinPicker picker;
  std::vector<BackendView> backends = weighted({1, 2});
  backends[0].id = 1000;
  EXPECT_EQ(pick_counts(picker, backends, 300), (std::vector<int>{100, 200}));
}

}  // namespace
}  // namespace fulcrum
