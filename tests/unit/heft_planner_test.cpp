#include "planning/heft_planner.h"

#include <gtest/gtest.h>

#include "placement_fixtures.h"
#include "planning/plan_validator.h"

namespace fulcrum {
namespace {

constexpr int64_t kMinute = 60'000;

using HandWorked = testing::HeftHandWorked;

TEST(HeftPlannerTest, UpwardRanksUseMeanDurations) {
  HandWorked instance;
  PlanProblem problem = PlanProblem::create(instance.cluster, instance.tasks).value();
  std::vector<double> ranks = heft_upward_ranks(problem);
  // mean durations: A 7.5, B 15, C 15, D 7.5, E 7.5 minutes.
  EXPECT_DOUBLE_EQ(ranks[0], 30 * kMinute);
  EXPECT_DOUBLE_EQ(ranks[1], 22.5 * kMinute);
  EXPECT_DOUBLE_EQ(ranks[2], 22.5 * kMinute);
  EXPECT_DOUBLE_EQ(ranks[3], 7.5 * kMinute);
  EXPECT_DOUBLE_EQ(ranks[4], 7.5 * kMinute);
}

TEST(HeftPlannerTest, HandWorkedScheduleWithInsertion) {
  HandWorked instance;
  PlanProblem problem = PlanProblem::create(instance.cluster, instance.tasks).value();
  HeftPlanner planner;
  PlanResult result = planner.plan(problem, PlanObjective::kMakespan);
  ASSERT_TRUE(validate_plan(instance.cluster, instance.tasks, result.plan).ok());
  // A fast [0,5]; B fast [5,15]; C slow [5,25] (finish ties at 25, the earlier start wins);
  // D fast [25,30]; E is inserted into the gap on fast [15,20].
  struct Expected {
    size_t task;
    size_t node;
    int64_t start, end;
  };
  std::vector<Expected> expected = {
      {0, 0, 0, 5}, {1, 0, 5, 15}, {2, 1, 5, 25}, {4, 0, 15, 20}, {3, 0, 25, 30}};
  ASSERT_EQ(result.plan.replicas.size(), expected.size());
  for (size_t index = 0; index < expected.size(); ++index) {
    const PlannedReplica& replica = result.plan.replicas[index];
    EXPECT_EQ(replica.task, expected[index].task);
    EXPECT_EQ(replica.node, expected[index].node);
    EXPECT_EQ(replica.start_ms, expected[index].start * kMinute);
    EXPECT_EQ(replica.end_ms, expected[index].end * kMinute);
  }
  EXPECT_DOUBLE_EQ(result.objective, 30 * kMinute);
  EXPECT_EQ(result.solver, "heft");
}

}  // namespace
}  // namespace fulcrum
