#include "policy/least_connections.h"

#include <gtest/gtest.h>

#include <vector>

#include "picker_test_support.h"

namespace fulcrum {
namespace {

std::vector<BackendView> with_in_flight(std::initializer_list<uint32_t> in_flight) {
  return backends_with(&BackendView::in_flight, in_flight);
}

TEST(LeastConnectionsTest, PicksFewestInFlight) {
  std::unique_ptr<Picker> picker = make_test_picker("least_connections");
  ASSERT_NE(picker, nullptr);
  EXPECT_EQ(pick_sequence(*picker, with_in_flight({3, 1, 2}), 3), "b b b");
}

TEST(LeastConnectionsTest, DividesInFlightByWeight) {
  LeastConnectionsPicker picker(LeastConnectionsConfig{});
  std::vector<BackendView> backends = with_in_flight({4, 3});
  backends[0].weight = 4;  // 1 per unit of weight, against 3
  EXPECT_EQ(pick_sequence(picker, backends, 2), "a a");
  backends[0].in_flight = 13;  // 3.25 against 3
  EXPECT_EQ(pick_sequence(picker, backends, 2), "b b");
}

TEST(LeastConnectionsTest, RotatesAmongTiedBackends) {
  std::unique_ptr<Picker> picker = make_test_picker("least_connections");
  ASSERT_NE(picker, nullptr);
  EXPECT_EQ(pick_sequence(*picker, with_in_flight({0, 5, 0, 5, 0}), 6), "a c e a c e");
}

// Random pools: every pick has the minimal in_flight/weight among eligible backends.
void expect_always_minimal(TieBreak tie_break) {
  LeastConnectionsPicker picker(LeastConnectionsConfig{tie_break, 99});
  Rng rng(7);
  for (int round = 0; round < 3000; ++round) {
    std::vector<BackendView> backends = make_backends(1 + rng.uniform(12));
    for (BackendView& backend : backends) {
      backend.in_flight = static_cast<uint32_t>(rng.uniform(10));
      backend.weight = static_cast<uint32_t>(rng.uniform(5));  // 0 makes it ineligible
      backend.healthy = rng.uniform(6) != 0;
      backend.draining = rng.uniform(8) == 0;
    }
    double minimum = 1e9;
    for (const BackendView& backend : backends) {
      if (backend.eligible()) minimum = std::min(minimum, 1.0 * backend.in_flight / backend.weight);
    }
    PickResult result = picker.pick({}, backends);
    if (minimum == 1e9) {
      ASSERT_FALSE(result.ok());
      continue;
    }
    ASSERT_TRUE(result.ok());
    const BackendView& chosen = backends[*result];
    ASSERT_TRUE(chosen.eligible());
    ASSERT_EQ(1.0 * chosen.in_flight / chosen.weight, minimum) << "round " << round;
  }
}

TEST(LeastConnectionsTest, NeverPicksMoreThanTheMinimumWithRotation) {
  expect_always_minimal(TieBreak::kRotation);
}

TEST(LeastConnectionsTest, NeverPicksMoreThanTheMinimumWithRandomTies) {
  expect_always_minimal(TieBreak::kRandom);
}

TEST(LeastConnectionsTest, RandomTieBreakSpreadsOverAllTied) {
  std::unique_ptr<Picker> picker =
      make_test_picker("least_connections", {{"tie_break", "random"}, {"seed", "5"}});
  ASSERT_NE(picker, nullptr);
  const std::vector<int> counts = pick_counts(*picker, with_in_flight({0, 0, 3, 0, 0}), 4000);
  EXPECT_EQ(counts[2], 0);
  for (std::size_t tied : {0u, 1u, 3u, 4u}) {
    EXPECT_GT(counts[tied], 880) << "backend " << tied;
    EXPECT_LT(counts[tied], 1120) << "backend " << tied;
  }
}

std::string random_tie_sequence(const std::string& seed) {
  std::unique_ptr<Picker> picker =
      make_test_picker("least_connections", {{"tie_break", "random"}, {"seed", seed}});
  if (picker == nullptr) return "";
  return pick_sequence(*picker, with_in_flight({0, 0, 0, 0, 0}), 40);
}

TEST(LeastConnectionsTest, SameSeedGivesTheSameSequence) {
  EXPECT_EQ(random_tie_sequence("11"), random_tie_sequence("11"));
  EXPECT_NE(random_tie_sequence("11"), random_tie_sequence("12"));
}

}  // namespace
}  // namespace fulcrum
