#include "planning/plan.h"

#include <gtest/gtest.h>

#include "core/config.h"
#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::cpu_node;
using testing::gpu_node;
using testing::make_task;

TEST(PlanTest, DurationFollowsSpeedOfTheNodeClass) {
  Task task = make_task("train", 1000, 1, 1000);
  task.estimated_duration_ms = 3000;
  task.speed = {{"A100", 2.0}, {"cpu", 0.5}};
  EXPECT_EQ(duration_on(task, gpu_node("a", 8, 64, 2, "A100")), 1500);
  EXPECT_EQ(duration_on(task, gpu_node("v", 8, 64, 2, "V100")), 3000);  // not listed: speed 1
  EXPECT_EQ(duration_on(task, cpu_node("c", 8, 64)), 6000);
  EXPECT_EQ(node_class(cpu_node("c", 8, 64)), "cpu");
}

TEST(PlanTest, ProblemKnowsEligibilityDurationsAndOrder) {
  Cluster cluster = testing::cluster_of({cpu_node("cpu", 8, 32), gpu_node("a100", 8, 64, 2, "A100"),
                                         gpu_node("v100", 8, 64, 2, "V100")});
  Task data = make_task("data", 2000, 4);
  data.estimated_duration_ms = 600;
  Task train = make_task("train", 1000, 8, 1000, "V100");
  train.estimated_duration_ms = 900;
  train.depends_on = {"data"};
  PlanProblem problem = PlanProblem::create(cluster, {train, data}).value();
  EXPECT_EQ(problem.eligible_nodes(0), (std::vector<size_t>{2}));
  EXPECT_EQ(problem.eligible_nodes(1), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(problem.duration(0, 1), -1);
  EXPECT_EQ(problem.topological_order(), (std::vector<size_t>{1, 0}));
  EXPECT_EQ(problem.predecessors(0), (std::vector<size_t>{1}));
  EXPECT_EQ(problem.duration_gcd(), 300);
  EXPECT_EQ(problem.with_durations_rounded_up(400).duration(0, 2), 1200);
}

TEST(PlanTest, ObjectivesOfAPlan) {
  std::vector<Task> tasks = {make_task("a", 1, 1), make_task("b", 1, 1)};
  tasks[0].priority = 3;  // weight 3; b has priority 0, weight 1
  Plan plan{{{0, 0, 0, 0, 100}, {1, 0, 0, 50, 250}}};
  EXPECT_EQ(plan_makespan(plan), 250);
  EXPECT_DOUBLE_EQ(plan_objective(tasks, plan, PlanObjective::kMakespan), 250);
  EXPECT_DOUBLE_EQ(plan_objective(tasks, plan, PlanObjective::kWeightedCompletion), 3 * 100 + 250);
  EXPECT_FALSE(parse_plan_objective("fastest").ok());
}

TEST(PlanTest, TaskFileReadsSpeedPerNodeClass) {
  auto tasks = parse_tasks(
      "tasks:\n  - id: t\n    duration: 10m\n    speed: {A100: 2.5, cpu: 0.1}\n", "tasks.yaml");
  ASSERT_TRUE(tasks.ok()) << tasks.status().message();
  EXPECT_DOUBLE_EQ((*tasks)[0].speed.at("A100"), 2.5);
  EXPECT_DOUBLE_EQ((*tasks)[0].speed.at("cpu"), 0.1);
  auto bad = parse_tasks("tasks:\n  - id: t\n    speed: {A100: 0}\n", "tasks.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("tasks.yaml:3: tasks[0].speed.A100"), std::string::npos)
      << bad.status().message();
}

}  // namespace
}  // namespace fulcrum
