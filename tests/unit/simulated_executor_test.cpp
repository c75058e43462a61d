#include "scheduler/simulated_executor.h"

#include <gtest/gtest.h>

namespace fulcrum {
namespace {

LaunchSpec launch(std::string id, int64_t duration_ms, int attempt = 1) {
  LaunchSpec spec;
  spec.task_id = std::move(id);
  spec.attempt = attempt;
  spec.estimated_duration_ms = duration_ms;
  spec.replicas = {{0, "n1", {}}};
  return spec;
}

TEST(SimulatedExecutorTest, CompletesAfterTheScaledEstimate) {
  SimulatedExecutor executor(0.5);
  ASSERT_TRUE(executor.start(launch("long", 4000), 1000).ok());
  ASSERT_TRUE(executor.start(launch("short", 1000, 2), 1000).ok());
  EXPECT_TRUE(executor.poll(1499).empty());
  auto first = executor.poll(1500);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].task_id, "short");
  EXPECT_EQ(first[0].attempt, 2);
  EXPECT_EQ(first[0].exit_code, 0);
  EXPECT_TRUE(executor.poll(2999).empty());
  EXPECT_EQ(executor.poll(3000).size(), 1u);
  EXPECT_EQ(executor.active(), 0u);
}

TEST(SimulatedExecutorTest, StoppedTasksAreNotReported) {
  SimulatedExecutor executor(1.0);
  ASSERT_TRUE(executor.start(launch("a", 10), 0).ok());
  executor.stop("a", 5);
  EXPECT_TRUE(executor.poll(100).empty());
  EXPECT_EQ(executor.active(), 0u);
}

}  // namespace
}  // namespace fulcrum
