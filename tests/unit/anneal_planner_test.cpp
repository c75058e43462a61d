#include "placement/anneal_planner.h"

#include <gtest/gtest.h>

#include "placement/heft_planner.h"
#include "placement/plan_instances.h"
#include "placement/plan_validator.h"

namespace fulcrum {
namespace {

TEST(AnnealPlannerTest, NeverWorseThanHeftValidAndDeterministic) {
  int improved = 0;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    PlanInstance instance = generate_plan_instance({30, 4, seed, 2, true, false});
    PlanProblem problem = PlanProblem::create(instance.cluster, instance.tasks).value();
    HeftPlanner heft;
    AnnealPlanner anneal(seed, 300);
    AnnealPlanner again(seed, 300);
    PlanResult from_heft = heft.plan(problem, PlanObjective::kMakespan);
    PlanResult annealed = anneal.plan(problem, PlanObjective::kMakespan);
    PlanResult repeated = again.plan(problem, PlanObjective::kMakespan);
    ASSERT_TRUE(validate_plan(instance.cluster, instance.tasks, annealed.plan).ok());
    EXPECT_LE(annealed.objective, from_heft.objective);
    EXPECT_EQ(annealed.objective, repeated.objective);
    ASSERT_EQ(annealed.plan.replicas.size(), repeated.plan.replicas.size());
    for (size_t index = 0; index < annealed.plan.replicas.size(); ++index) {
      EXPECT_EQ(annealed.plan.replicas[index].node, repeated.plan.replicas[index].node);
      EXPECT_EQ(annealed.plan.replicas[index].start_ms, repeated.plan.replicas[index].start_ms);
    }
    improved += annealed.objective < from_heft.objective ? 1 : 0;
  }
  EXPECT_GT(improved, 0);
}

}  // namespace
}  // namespace fulcrum
