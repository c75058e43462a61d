#include "planning/planner.h"

#include <gtest/gtest.h>

#include "placement_fixtures.h"
#include "planning/plan_validator.h"
#include "support/plan_instances.h"

namespace fulcrum {
namespace {

TEST(PlannerTest, RegistryCreatesEveryPlannerByName) {
  for (const std::string name : {"greedy", "heft", "anneal", "milp"}) {
    auto planner = make_planner(name);
    ASSERT_TRUE(planner.ok()) << name;
    EXPECT_EQ((*planner)->name(), name);
  }
  auto unknown = make_planner("genetic");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(),
            "unknown planner \"genetic\" (known: greedy, heft, anneal, milp)");
  auto bad = make_planner("milp", {{"time_limit", "soon"}});
  EXPECT_FALSE(bad.ok());
}

TEST(PlannerTest, EveryPlannerReturnsAValidPlanNoBetterThanTheBound) {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    PlanInstance instance = generate_plan_instance({16, 3, seed, 2, true, false});
    PlanProblem problem = PlanProblem::create(instance.cluster, instance.tasks).value();
    for (const PlannerEntry& entry : planner_registry()) {
      auto planner = make_planner(
          entry.name, entry.name == "milp" ? PolicyParams{{"time_limit", "5"}} : PolicyParams{});
      for (PlanObjective objective :
           {PlanObjective::kMakespan, PlanObjective::kWeightedCompletion}) {
        PlanResult result = run_planner(**planner, problem, objective);
        SCOPED_TRACE(entry.name + " seed " + std::to_string(seed));
        EXPECT_TRUE(validate_plan(instance.cluster, instance.tasks, result.plan).ok());
        EXPECT_GE(result.objective + 1e-6, result.bound);
        EXPECT_GE(result.bound, plan_lower_bound(problem, objective) - 1e-6);
      }
    }
  }
}

TEST(PlannerTest, LowerBoundIsCriticalPathOrLoad) {
  Cluster cluster = testing::cluster_of({testing::cpu_node("c", 4, 16)});
  std::vector<Task> tasks = {testing::make_task("a", 4000, 1), testing::make_task("b", 4000, 1)};
  tasks[0].estimated_duration_ms = 10;
  tasks[1].estimated_duration_ms = 20;
  PlanProblem problem = PlanProblem::create(cluster, tasks).value();
  // No dependencies, but each takes all four cores: load 10 + 20.
  EXPECT_DOUBLE_EQ(plan_lower_bound(problem, PlanObjective::kMakespan), 30);
  tasks[1].depends_on = {"a"};
  tasks[1].demand.cpu_millis = 1000;
  problem = PlanProblem::create(cluster, tasks).value();
  EXPECT_DOUBLE_EQ(plan_lower_bound(problem, PlanObjective::kMakespan), 30);  // path a -> b
  EXPECT_DOUBLE_EQ(plan_lower_bound(problem, PlanObjective::kWeightedCompletion), 10 + 30);
}

}  // namespace
}  // namespace fulcrum
