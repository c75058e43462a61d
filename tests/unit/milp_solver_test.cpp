// CBC through MilpModel: a knapsack with a known optimum, the statuses, and the time-indexed plan
// model of medium graphs written as CPLEX-LP and MPS and solved again by glpsol.
#include "milp/model.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "glpsol_support.h"
#include "planning/heft_planner.h"
#include "planning/milp_planner.h"
#include "planning/plan_validator.h"
#include "support/plan_instances.h"

namespace fulcrum {
namespace {

TEST(MilpSolverTest, KnapsackOptimumWithBoundAndWarmStart) {
  // max 10a + 13b + 7c with 4a + 6b + 3c <= 9: b + c (weight 9, value 20) beats a + c (17).
  MilpModel model;
  int a = model.add_variable("a", 0, 1, -10, true);
  int b = model.add_variable("b", 0, 1, -13, true);
  int c = model.add_variable("c", 0, 1, -7, true);
  model.add_row("weight", -1e30, 9, {{a, 4}, {b, 6}, {c, 3}});
  MilpOptions options;
  options.relative_gap = 0;
  MilpSolution solution = model.solve(options, {1, 0, 1});
  ASSERT_TRUE(solution.has_solution);
  EXPECT_EQ(solution.status, SolveStatus::kOptimal);
  EXPECT_DOUBLE_EQ(solution.objective, -20);
  EXPECT_DOUBLE_EQ(solution.bound, -20);
  EXPECT_DOUBLE_EQ(solution.values[b], 1);
}

TEST(MilpSolverTest, InfeasibleModelIsReported) {
  MilpModel model;
  int x = model.add_variable("x", 0, 1, 1, true);
  model.add_row("impossible", 2, 1e30, {{x, 1}});
  MilpSolution solution = model.solve({}, {});
  EXPECT_FALSE(solution.has_solution);
  EXPECT_EQ(solution.status, SolveStatus::kInfeasible);
}

TEST(MilpSolverTest, TimeIndexedModelAgreesWithGlpsol) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    PlanInstance instance = generate_plan_instance({10, 2, seed, 2, true, true});
    PlanProblem problem = PlanProblem::create(instance.cluster, instance.tasks).value();
    HeftPlanner heft;
    PlanResult warm = heft.plan(problem, PlanObjective::kMakespan);
    int64_t slot_ms = problem.duration_gcd();
    TimeIndexedModel built = build_time_indexed_model(
        problem, PlanObjective::kMakespan, slot_ms, plan_makespan(warm.plan) / slot_ms, &warm.plan);
    MilpOptions options;
    options.relative_gap = 0;
    options.time_limit_seconds = 60;
    MilpSolution solution = built.model.solve(options, built.warm_start);
    ASSERT_EQ(solution.status, SolveStatus::kOptimal);
    EXPECT_TRUE(
        validate_plan(instance.cluster, instance.tasks, built.decode(solution.values)).ok());
    for (const std::string extension : {".lp", ".mps"}) {
      std::string path = testing::temp_model_path("dag" + extension);
      ASSERT_TRUE(built.model.write(path).ok());
      double glpk = testing::glpsol_objective(path);
      std::filesystem::remove(path);
      EXPECT_NEAR(glpk, solution.objective, 1e-6 * std::abs(solution.objective))
          << "seed " << seed << extension;
    }
  }
}

TEST(MilpSolverTest, WriteNamesTheBadPath) {
  MilpModel model;
  model.add_variable("x", 0, 1, 1, true);
  Status status = model.write("/nonexistent-folder/model.lp");
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("/nonexistent-folder/model.lp"), std::string::npos);
}

}  // namespace
}  // namespace fulcrum
