#include "policy/backend_scan.h"

#include <gtest/gtest.h>

#include <vector>

#include "picker_test_support.h"

namespace fulcrum {
namespace {

TEST(RotationTest, StartsPastThePreviousChoiceAndWraps) {
  Rotation rotation;
  EXPECT_EQ(rotation.start(3), 0u);
  rotation.advance_past(1);
  EXPECT_EQ(rotation.start(3), 2u);
  rotation.advance_past(2);
  EXPECT_EQ(rotation.start(3), 0u);
  rotation.advance_past(std::nullopt);
  EXPECT_EQ(rotation.start(3), 0u);
}

TEST(LoadPerWeightTest, ComparesRatiosWithoutDividing) {
  EXPECT_LT((LoadPerWeight{3, 2}), (LoadPerWeight{2, 1}));  // 1.5 < 2
  EXPECT_EQ((LoadPerWeight{2, 1}), (LoadPerWeight{4, 2}));
  EXPECT_GT((LoadPerWeight{1, 1}), (LoadPerWeight{0, 5}));
}

std::vector<BackendView> backends_with_ineligible() {
  std::vector<BackendView> backends = make_backends(5);
  backends[0].healthy = false;
  backends[2].draining = true;
  backends[4].weight = 0;
  return backends;  // eligible: 1, 3
}

TEST(BackendScanTest, CountsEligible) {
  EXPECT_EQ(count_eligible(backends_with_ineligible()), 2u);
  EXPECT_EQ(count_eligible(make_backends(4)), 4u);
}

TEST(BackendScanTest, FirstEligibleFromWrapsAround) {
  const std::vector<BackendView> backends = backends_with_ineligible();
  EXPECT_EQ(first_eligible_from(backends, 0), 1u);
  EXPECT_EQ(first_eligible_from(backends, 2), 3u);
  EXPECT_EQ(first_eligible_from(backends, 4), 1u);
  EXPECT_EQ(first_eligible_from(backends, 99), 1u);
  std::vector<BackendView> none = make_backends(2);
  none[0].healthy = none[1].healthy = false;
  EXPECT_EQ(first_eligible_from(none, 0), std::nullopt);
}

TEST(BackendScanTest, NthEligibleCountsOnlyEligible) {
  const std::vector<BackendView> backends = backends_with_ineligible();
  EXPECT_EQ(nth_eligible(backends, 0), 1u);
  EXPECT_EQ(nth_eligible(backends, 1), 3u);
  EXPECT_EQ(nth_eligible(backends, 2), std::nullopt);
}

TEST(BackendScanTest, LowestEligibleBreaksTiesAtOrAfterStart) {
  const std::vector<BackendView> backends = make_backends(5);
  const std::vector<int> keys = {1, 0, 0, 5, 0};
  auto key_of = [&keys](std::size_t index) { return keys[index]; };
  EXPECT_EQ(lowest_eligible(backends, 0, key_of), 1u);
  EXPECT_EQ(lowest_eligible(backends, 2, key_of), 2u);
  EXPECT_EQ(lowest_eligible(backends, 3, key_of), 4u);
  EXPECT_EQ(lowest_eligible(backends, 5, key_of), 1u);
}

TEST(BackendScanTest, LowestEligibleSkipsIneligibleWithLowerKeys) {
  const std::vector<BackendView> backends = backends_with_ineligible();
  const std::vector<int> keys = {0, 7, 0, 3, 0};
  auto key_of = [&keys](std::size_t index) { return keys[index]; };
  EXPECT_EQ(lowest_eligible(backends, 0, key_of), 3u);
  Rng rng(1);
  EXPECT_EQ(lowest_eligible_random_tie(backends, rng, key_of), 3u);
  std::vector<BackendView> none = make_backends(1);
  none[0].weight = 0;
  EXPECT_EQ(lowest_eligible(none, 0, key_of), std::nullopt);
  EXPECT_EQ(lowest_eligible_random_tie(none, rng, key_of), std::nullopt);
}

TEST(BackendScanTest, RandomTieIsUniformAmongTiedOnly) {
  const std::vector<BackendView> backends = make_backends(4);
  const std::vector<int> keys = {2, 1, 1, 1};
  auto key_of = [&keys](std::size_t index) { return keys[index]; };
  Rng rng(42);
  std::vector<int> counts(4, 0);
  for (int draw = 0; draw < 3000; ++draw)
    ++counts[*lowest_eligible_random_tie(backends, rng, key_of)];
  EXPECT_EQ(counts[0], 0);
  for (std::size_t tied = 1; tied < 4; ++tied) {
    EXPECT_GT(counts[tied], 880) << "backend " << tied;
    EXPECT_LT(counts[tied], 1120) << "backend " << tied;
  }
}

TEST(BackendScanTest, PickResultIsTheIndexOrUnavailable) {
  const std::vector<BackendView> backends = backends_with_ineligible();
  PickResult chosen = pick_result(3, backends);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(*chosen, 3u);
  PickResult none = pick_result(std::nullopt, backends);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace fulcrum
