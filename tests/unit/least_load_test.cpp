#include "policy/least_load.h"

#include <gtest/gtest.h>

#include <vector>

#include "picker_test_support.h"

namespace fulcrum {
namespace {

std::vector<BackendView> fresh_backends(std::size_t count = 3) {
  std::vector<BackendView> backends = make_named_backends({"a", "b", "c"});
  backends.resize(count);
  for (BackendView& backend : backends) backend.load.fresh = true;
  return backends;
}

// Three picks by a new least_load picker with `params`.
std::string three_picks(const std::vector<BackendView>& backends, const PolicyParams& params = {}) {
  std::unique_ptr<Picker> picker = make_test_picker("least_load", params);
  return picker == nullptr ? "" : pick_sequence(*picker, backends, 3);
}

TEST(LeastLoadTest, AvoidsTheDeeperQueue) {
  std::vector<BackendView> backends = fresh_backends();
  backends[0].load.queue_depth = 10;
  backends[2].load.queue_depth = 5;
  EXPECT_EQ(three_picks(backends), "b b b");
}

TEST(LeastLoadTest, AvoidsTheFullerKvCache) {
  std::vector<BackendView> backends = fresh_backends();
  backends[0].load.kv_cache_usage = 0.9;
  backends[1].load.kv_cache_usage = 0.5;
  backends[2].load.kv_cache_usage = 0.2;
  EXPECT_EQ(three_picks(backends), "c c c");
}

TEST(LeastLoadTest, CountsTheGatewaysOwnInFlight) {
  std::vector<BackendView> backends = fresh_backends();
  backends[0].in_flight = 4;
  backends[1].in_flight = 2;
  backends[2].in_flight = 3;
  EXPECT_EQ(three_picks(backends), "b b b");
}

// a: the longest queue (normalised to 1.0); b: a KV cache 90% full (0.9 x kv_weight).
std::vector<BackendView> queue_against_kv_cache() {
  std::vector<BackendView> backends = fresh_backends(2);
  backends[0].load.queue_depth = 4;
  backends[1].load.kv_cache_usage = 0.9;
  return backends;
}

TEST(LeastLoadTest, QueueIsNormalisedByTheMaximum) {
  EXPECT_EQ(three_picks(queue_against_kv_cache()), "b b b");  // 0.9 < 1.0
}

TEST(LeastLoadTest, WeightsShiftTheBalance) {
  EXPECT_EQ(three_picks(queue_against_kv_cache(), {{"kv_weight", "2"}}), "a a a");     // 1 < 1.8
  EXPECT_EQ(three_picks(queue_against_kv_cache(), {{"queue_weight", "0"}}), "a a a");  // 0 < 0.9
}

TEST(LeastLoadTest, RunningCountsHalfByDefault) {
  std::vector<BackendView> backends = fresh_backends(2);
  backends[0].load.running = 10;          // 0.5 x 10/10
  backends[1].load.kv_cache_usage = 0.6;  // 1 x 0.6
  EXPECT_EQ(three_picks(backends), "a a a");
  backends[1].load.kv_cache_usage = 0.4;
  EXPECT_EQ(three_picks(backends), "b b b");
}

// No load source fills CPU or GPU use of a model server, so least_load has no weight for them.
TEST(LeastLoadTest, CpuAndGpuWeightsAreUnknownParameters) {
  for (const char* removed : {"cpu_weight", "gpu_weight"}) {
    Result<std::unique_ptr<Picker>> picker =
        make_picker("least_load", PolicyParams{{removed, "1"}});
    ASSERT_FALSE(picker.ok()) << removed;
    EXPECT_NE(picker.error_message().find(std::string("unknown parameter \"") + removed + "\""),
              std::string::npos)
        << picker.error_message();
  }
}

TEST(LeastLoadTest, StaleNeverBeatsFresh) {
  std::unique_ptr<Picker> picker = make_test_picker("least_load");
  ASSERT_NE(picker, nullptr);
  Rng rng(3);
  for (int round = 0; round < 2000; ++round) {
    std::vector<BackendView> backends = make_backends(2 + rng.uniform(8));
    bool any_fresh = false;
    for (BackendView& backend : backends) {
      backend.in_flight = static_cast<uint32_t>(rng.uniform(20));
      backend.load = {rng.uniform(2) == 0, static_cast<double>(rng.uniform(30)),
                      static_cast<double>(rng.uniform(30)), rng.uniform01()};
      any_fresh = any_fresh || backend.load.fresh;
    }
    const std::size_t chosen = pick_index(*picker, backends);
    ASSERT_NE(chosen, kPickFailed);
    if (any_fresh) {
      ASSERT_TRUE(backends[chosen].load.fresh) << "round " << round;
    }
  }
}

TEST(LeastLoadTest, StaleWithNoLoadLosesToAFreshBusyBackend) {
  std::vector<BackendView> backends = fresh_backends();
  backends[0].load = {false, 0, 0, 0};
  backends[1].load = {true, 50, 20, 0.95};
  backends[1].in_flight = 70;
  backends[2].load.fresh = false;
  EXPECT_EQ(three_picks(backends), "b b b");
}

TEST(LeastLoadTest, FallsBackToLeastInFlightWhenNothingIsFresh) {
  std::vector<BackendView> backends = make_named_backends({"a", "b", "c"});
  backends[0].in_flight = 5;
  backends[1].in_flight = 2;
  backends[1].load.queue_depth = 100;  // stale: ignored
  backends[2].in_flight = 7;
  EXPECT_EQ(three_picks(backends), "b b b");
}

TEST(LeastLoadTest, EqualScoresRotate) {
  std::unique_ptr<Picker> picker = make_test_picker("least_load");
  ASSERT_NE(picker, nullptr);
  EXPECT_EQ(pick_sequence(*picker, fresh_backends(), 4), "a b c a");
}

}  // namespace
}  // namespace fulcrum
