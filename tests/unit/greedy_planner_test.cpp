#include "planning/greedy_planner.h"

#include <gtest/gtest.h>

#include "placement_fixtures.h"
#include "planning/plan_validator.h"

namespace fulcrum {
namespace {

using testing::cpu_node;
using testing::make_task;

TEST(GreedyPlannerTest, HigherPriorityGoesFirstWhereItStartsFirst) {
  Cluster cluster = testing::cluster_of({cpu_node("only", 4, 16)});
  std::vector<Task> tasks = {make_task("low", 4000, 1), make_task("high", 4000, 1)};
  tasks[0].estimated_duration_ms = 10;
  tasks[1].estimated_duration_ms = 30;
  tasks[1].priority = 9;
  PlanProblem problem = PlanProblem::create(cluster, tasks).value();
  GreedyPlanner planner;
  PlanResult result = planner.plan(problem, PlanObjective::kWeightedCompletion);
  ASSERT_TRUE(validate_plan(cluster, tasks, result.plan).ok());
  ASSERT_EQ(result.plan.replicas.size(), 2u);
  EXPECT_EQ(result.plan.replicas[0].task, 1u);  // high: [0, 30)
  EXPECT_EQ(result.plan.replicas[1].start_ms, 30);
  EXPECT_DOUBLE_EQ(result.objective, 9 * 30 + 1 * 40);
  EXPECT_EQ(result.status, SolveStatus::kFeasible);
}

}  // namespace
}  // namespace fulcrum
