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

// A (10 s of work) is preempted at 4 s and resumes at 20 s with 6 s left: it ends at 26 s. B is
// stopped for a lost node at 4 s and starts over at 20 s with all 10 s: it ends at 30 s.
TEST(SimulatedExecutorTest, PreemptionKeepsTheWorkDoneAndANodeLossDoesNot) {
  using std::chrono::seconds;
  SimulatedExecutor executor(1.0);
  constexpr uint32_t kA = 0;
  constexpr uint32_t kB = 1;
  EXPECT_EQ(executor.start_run(kA, 1, seconds(10), seconds(0)), seconds(10));
  executor.start_run(kB, 1, seconds(10), seconds(0));
  executor.stop_run(kA, seconds(4), /*keep_progress=*/true);
  executor.stop_run(kB, seconds(4), /*keep_progress=*/false);
  EXPECT_TRUE(executor.finished_by(seconds(15)).empty());
  EXPECT_EQ(executor.active(), 0u);
  EXPECT_EQ(executor.start_run(kA, 1, seconds(10), seconds(20)), seconds(26));
  EXPECT_EQ(executor.start_run(kB, 2, seconds(10), seconds(20)), seconds(30));
  auto first = executor.finished_by(seconds(26));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].run, kA);
  auto second = executor.finished_by(seconds(30));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].attempt, 2);
  // The service's preemption (stop_with_grace) keeps progress too; stop does not.
  ASSERT_TRUE(executor.start(launch("C", 1000), 0).ok());
  executor.stop_with_grace("C", 400, 10'000);
  ASSERT_TRUE(executor.start(launch("C", 1000), 1000).ok());
  EXPECT_TRUE(executor.poll(1599).empty());
  EXPECT_EQ(executor.poll(1600).size(), 1u);
}

}  // namespace
}  // namespace fulcrum
