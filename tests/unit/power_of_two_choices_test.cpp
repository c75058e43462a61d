#include "policy/power_of_two_choices.h"

#include <gtest/gtest.h>

#include <vector>

#include "picker_test_support.h"

namespace fulcrum {
namespace {

// Backends whose in_flight equals their index: b0 idle ... b(n-1) the most loaded.
std::vector<BackendView> loaded_by_index(std::size_t count) {
  std::vector<BackendView> backends = make_backends(count);
  for (std::size_t index = 0; index < count; ++index) {
    backends[index].in_flight = static_cast<uint32_t>(index);
  }
  return backends;
}

TEST(PowerOfTwoChoicesTest, OfTwoNeverPicksTheMoreLoaded) {
  std::unique_ptr<Picker> picker = make_test_picker("power_of_two_choices");
  ASSERT_NE(picker, nullptr);
  std::vector<BackendView> backends = make_backends(2);
  backends[0].in_flight = 5;
  backends[1].in_flight = 1;
  EXPECT_EQ(pick_counts(*picker, backends, 1000), (std::vector<int>{0, 1000}));
}

TEST(PowerOfTwoChoicesTest, ComparesInFlightPerWeight) {
  PowerOfTwoChoicesPicker picker(1);
  std::vector<BackendView> backends = make_backends(2);
  backends[0].in_flight = 4;
  backends[0].weight = 4;
  backends[1].in_flight = 3;
  EXPECT_EQ(pick_counts(picker, backends, 100), (std::vector<int>{100, 0}));
}

TEST(PowerOfTwoChoicesTest, TheMostLoadedOfManyIsNeverChosen) {
  std::unique_ptr<Picker> picker = make_test_picker("power_of_two_choices");
  ASSERT_NE(picker, nullptr);
  const std::vector<int> counts = pick_counts(*picker, loaded_by_index(10), 10000);
  // Two distinct samples: the most loaded always loses, the second most loaded wins only
  // against it (1 pair in 45), the idle one wins whenever sampled (2 in 10).
  EXPECT_EQ(counts[9], 0);
  EXPECT_GT(counts[8], 120);
  EXPECT_LT(counts[8], 330);
  EXPECT_GT(counts[0], 1800);
  EXPECT_LT(counts[0], 2200);
}

TEST(PowerOfTwoChoicesTest, EqualLoadSpreadsEvenly) {
  PowerOfTwoChoicesPicker picker(9);
  const std::vector<int> counts = pick_counts(picker, make_backends(4), 8000);
  for (int count : counts) {
    EXPECT_GT(count, 1800);
    EXPECT_LT(count, 2200);
  }
}

TEST(PowerOfTwoChoicesTest, SameSeedGivesTheSameSequence) {
  auto sequence_for = [](const std::string& seed) {
    std::unique_ptr<Picker> picker = make_test_picker("power_of_two_choices", {{"seed", seed}});
    return picker == nullptr ? "" : pick_sequence(*picker, make_backends(8), 50);
  };
  EXPECT_EQ(sequence_for("21"), sequence_for("21"));
  EXPECT_NE(sequence_for("21"), sequence_for("22"));
}

TEST(PowerOfTwoChoicesTest, FindsTheFewEligibleAmongMany) {
  PowerOfTwoChoicesPicker picker(4);
  std::vector<BackendView> backends = make_backends(100);
  for (BackendView& backend : backends) backend.healthy = false;
  backends[10].healthy = true;
  backends[10].in_flight = 3;
  backends[77].healthy = true;
  backends[77].in_flight = 1;
  const std::vector<int> counts = pick_counts(picker, backends, 200);
  EXPECT_EQ(counts[77], 200);
  backends[77].healthy = false;
  EXPECT_EQ(pick_counts(picker, backends, 20)[10], 20);
}

TEST(PowerOfTwoChoicesTest, WithOneBackendReturnsIt) {
  PowerOfTwoChoicesPicker picker(1);
  EXPECT_EQ(pick_sequence(picker, make_named_backends({"solo"}), 3), "solo solo solo");
}

}  // namespace
}  // namespace fulcrum
