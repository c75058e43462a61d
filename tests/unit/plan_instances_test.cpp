#include "support/plan_instances.h"

#include <gtest/gtest.h>

#include "planning/plan.h"

namespace fulcrum {
namespace {

TEST(PlanInstancesTest, SameShapeAndSeedGiveTheSameValidGraph) {
  InstanceShape shape{50, 8, 3, 2, true, false};
  PlanInstance first = generate_plan_instance(shape);
  PlanInstance second = generate_plan_instance(shape);
  ASSERT_EQ(first.tasks.size(), 50u);
  ASSERT_EQ(first.cluster.size(), 8u);
  EXPECT_TRUE(validate_task_graph(first.tasks).ok());
  for (size_t index = 0; index < first.tasks.size(); ++index) {
    EXPECT_EQ(first.tasks[index].id, second.tasks[index].id);
    EXPECT_EQ(first.tasks[index].estimated_duration_ms, second.tasks[index].estimated_duration_ms);
    EXPECT_EQ(first.tasks[index].depends_on, second.tasks[index].depends_on);
    EXPECT_EQ(first.tasks[index].estimated_duration_ms % 300000, 0);
  }
  // Every task has a node that can run it; GPU and CPU nodes are both present.
  PlanProblem problem = PlanProblem::create(first.cluster, first.tasks).value();
  for (size_t task = 0; task < problem.task_count(); ++task) {
    EXPECT_FALSE(problem.eligible_nodes(task).empty()) << first.tasks[task].id;
  }
  EXPECT_TRUE(first.cluster.node(0).has_gpus());
}

TEST(PlanInstancesTest, IndependentTasksHaveNoDependencies) {
  PlanInstance instance = generate_plan_instance({20, 4, 1, 1, false, false});
  for (const Task& task : instance.tasks) EXPECT_TRUE(task.depends_on.empty());
}

}  // namespace
}  // namespace fulcrum
