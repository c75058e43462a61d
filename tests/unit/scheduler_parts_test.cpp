#include "scheduler/scheduler_parts.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace fulcrum {
namespace {

Result<SchedulerParts> parts_of(const std::string& yaml) {
  auto config = parse_scheduler_config(yaml, "s.yaml");
  if (!config.ok()) return config.status();
  return make_scheduler_parts(*config);
}

// The scheduler accepts milp beside the placers, so its unknown-placement error lists it too.
TEST(SchedulerPartsTest, UnknownPlacementListsMilp) {
  auto parts = parts_of("scheduler:\n  placement: tetris\n");
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(
      parts.error_message(),
      "s.yaml:2: scheduler.placement: unknown placement policy \"tetris\" (known: "
      "first_fit, best_fit, least_loaded, weighted_round_robin, dot_product, gpu_packing, fgd, "
      "fgd_packing, milp)");
}

TEST(SchedulerPartsTest, MilpPlacesWithItsFallbackBetweenBatches) {
  auto parts = parts_of("scheduler:\n  placement: {policy: milp, params: {fallback: first_fit}}\n");
  ASSERT_TRUE(parts.ok()) << parts.status().to_string();
  EXPECT_EQ(parts->placer->name(), "first_fit");
}

TEST(SchedulerPartsTest, UnknownQueueNamesTheKey) {
  auto parts = parts_of("scheduler:\n  queue: lifo\n");
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.error_message().rfind(
                "s.yaml:2: scheduler.queue: unknown queue policy \"lifo\" (known: fifo, ", 0),
            0u)
      << parts.error_message();
}

TEST(SchedulerPartsTest, ExecutorValuesAreCheckedWithTheirKey) {
  auto parts = parts_of("scheduler:\n  executor: {type: local, kill_grace: soon}\n");
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.error_message(),
            "s.yaml:2: scheduler.executor: executor \"local\": parameter \"kill_grace\": expected "
            "a duration such as 1500ms, 90s, 30m or 2h, got \"soon\"");
  auto simulated = parts_of("scheduler:\n  executor: {type: simulated, speed_factor: -1}\n");
  ASSERT_FALSE(simulated.ok());
  EXPECT_EQ(simulated.error_message(),
            "s.yaml:2: scheduler.executor: executor \"simulated\": parameter \"speed_factor\": "
            "expected a number in [0, 1000000], got \"-1\"");
}

TEST(SchedulerPartsTest, MakesTheNamedExecutorWithoutCreatingItsFolder) {
  std::string log_dir = ::testing::TempDir() + "fulcrum-parts-" + std::to_string(getpid());
  auto parts =
      parts_of("scheduler:\n  executor: {type: local, log_dir: " + log_dir + ", run_as: nobody}\n");
  ASSERT_TRUE(parts.ok()) << parts.status().to_string();
  EXPECT_EQ(parts->executor->name(), "local");
  EXPECT_FALSE(std::filesystem::exists(log_dir));
  ASSERT_TRUE(parts->executor->prepare().ok());
  EXPECT_TRUE(std::filesystem::is_directory(log_dir));
  std::filesystem::remove_all(log_dir);
}

// The same check as the start: an open address without a token is refused before anything runs.
TEST(SchedulerPartsTest, NonLoopbackListenNeedsAToken) {
  auto open = parts_of("scheduler:\n  listen: {address: 0.0.0.0}\n");
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.error_message().rfind("listen.address: 0.0.0.0 is not a loopback address", 0), 0u)
      << open.error_message();
  EXPECT_TRUE(parts_of("scheduler:\n  listen: {address: 0.0.0.0}\n  auth: {token: secret}\n").ok());
}

}  // namespace
}  // namespace fulcrum
