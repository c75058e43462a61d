// The batch placement model against brute-force enumeration, its fallback and infeasibility
// reports, and a cross-check of its written model with GLPK's glpsol.
#include "milp/batch_placement.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include "glpsol_support.h"
#include "placement_fixtures.h"
#include "support/plan_instances.h"

namespace fulcrum {
namespace {

using testing::gpu_node;
using testing::make_task;

// Every assignment of each task to a node or to nothing; the best by placed work, then by the
// objective. Returns (placed work, objective).
std::pair<double, double> brute_force(const Cluster& cluster, const std::vector<Task>& tasks,
                                      BatchObjective objective) {
  std::vector<size_t> choice(tasks.size(), 0);  // 0: unplaced, k: node k - 1
  double best_work = -1;
  double best_value = 0;
  bool maximize =
      objective == BatchObjective::kThroughput || objective == BatchObjective::kPlacedWork;
  while (true) {
    Cluster trial = cluster;
    Placement placement;
    bool fits = true;
    for (size_t task = 0; task < tasks.size() && fits; ++task) {
      if (choice[task] == 0) continue;
      auto assignment = trial.allocate(choice[task] - 1, tasks[task]);
      fits = assignment.has_value();
      if (fits) placement.assignments.push_back(*assignment);
    }
    if (fits) {
      double work = batch_objective_value(cluster, tasks, placement, BatchObjective::kPlacedWork);
      double value = batch_objective_value(cluster, tasks, placement, objective);
      bool better_work = work > best_work + 1e-9;
      bool same_work = std::abs(work - best_work) <= 1e-9;
      bool better_value = maximize ? value > best_value + 1e-9 : value < best_value - 1e-9;
      if (better_work || (same_work && better_value)) {
        best_work = work;
        best_value = value;
      }
    }
    size_t position = 0;
    while (position < choice.size() && ++choice[position] > cluster.size()) choice[position++] = 0;
    if (position == choice.size()) break;
  }
  return {best_work, best_value};
}

BatchOptions exact(BatchObjective objective) {
  BatchOptions options;
  options.objective = objective;
  options.milp.time_limit_seconds = 30;
  options.milp.relative_gap = 0;
  return options;
}

TEST(BatchPlacementTest, MatchesBruteForceOnSmallRandomBatches) {
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    PlanInstance instance =
        generate_plan_instance({3 + seed % 6, 1 + seed % 3, seed, 1, false, true});
    for (BatchObjective objective : {BatchObjective::kPlacedWork, BatchObjective::kBalance,
                                     BatchObjective::kEnergy, BatchObjective::kThroughput}) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " " +
                   std::string(batch_objective_name(objective)));
      Cluster cluster = instance.cluster;
      BatchResult result = solve_batch_placement(cluster, instance.tasks, exact(objective));
      ASSERT_EQ(result.solver, "milp") << result.note;
      EXPECT_EQ(result.status, SolveStatus::kOptimal);
      auto [work, value] = brute_force(instance.cluster, instance.tasks, objective);
      EXPECT_NEAR(batch_objective_value(instance.cluster, instance.tasks, result.placement,
                                        BatchObjective::kPlacedWork),
                  work, 1e-6 * std::max(1.0, work));
      EXPECT_NEAR(result.objective, value, 1e-6 * std::max(1.0, std::abs(value)));
    }
  }
}

TEST(BatchPlacementTest, EnergyPacksOntoFewestPoweredNodes) {
  Cluster cluster = testing::cluster_of(
      {gpu_node("big", 16, 64, 4, "A100"), gpu_node("small", 16, 64, 4, "A100")});
  Node& first = const_cast<Node&>(cluster.node(0));
  first.power = PowerProfile{300, 1000};
  Node& second = const_cast<Node&>(cluster.node(1));
  second.power = PowerProfile{200, 900};
  std::vector<Task> tasks = {make_task("a", 1000, 1, 2000), make_task("b", 1000, 1, 2000)};
  BatchOptions options = exact(BatchObjective::kEnergy);
  options.place_all = true;
  BatchResult result = solve_batch_placement(cluster, tasks, options);
  ASSERT_EQ(result.placement.assignments.size(), 2u);
  // Both on "small": 200 idle + 700 dynamic at full use, against 300 + 700 on "big".
  EXPECT_EQ(result.placement.assignments[0].node_id, "small");
  EXPECT_EQ(result.placement.assignments[1].node_id, "small");
  EXPECT_DOUBLE_EQ(result.objective, 900);
  EXPECT_EQ(cluster.node(1).allocated.gpu_milli, 4000);  // allocated on the cluster passed in
}

TEST(BatchPlacementTest, GangAllOrNothingAndAntiAffinity) {
  Cluster cluster =
      testing::cluster_of({gpu_node("a", 8, 64, 2, "A100"), gpu_node("b", 8, 64, 2, "A100")});
  std::vector<Task> tasks = {make_task("gang", 1000, 1, 1000, "", 3)};
  BatchOptions options = exact(BatchObjective::kPlacedWork);
  options.anti_affinity = true;  // at most one replica per node: 3 replicas cannot fit on 2 nodes
  Cluster spread = cluster;
  BatchResult result = solve_batch_placement(spread, tasks, options);
  EXPECT_TRUE(result.placement.assignments.empty());
  ASSERT_EQ(result.placement.unplaced.size(), 1u);
  options.anti_affinity = false;
  BatchResult packed = solve_batch_placement(cluster, tasks, options);
  EXPECT_EQ(packed.placement.assignments.size(), 3u);
}

TEST(BatchPlacementTest, PlaceAllReportsTheBlockingFamily) {
  Cluster cluster = testing::cluster_of({gpu_node("v", 8, 64, 2, "V100")});
  BatchOptions options = exact(BatchObjective::kBalance);
  options.place_all = true;
  struct Case {
    std::vector<Task> tasks;
    std::string family;
  };
  std::vector<Case> cases = {
      {{make_task("a", 1000, 1, 1000, "A100")}, "gpu model"},
      {{make_task("big", 1000, 100)}, "capacity"},
      {{make_task("g", 1000, 1, 2000, "", 2)}, "gang"},
      {{make_task("x", 1000, 1, 2000), make_task("y", 1000, 1, 1000)}, "capacity"},
  };
  for (const Case& item : cases) {
    Cluster copy = cluster;
    BatchResult result = solve_batch_placement(copy, item.tasks, options);
    EXPECT_EQ(result.status, SolveStatus::kInfeasible);
    EXPECT_EQ(result.note.substr(0, result.note.find(':')), item.family) << result.note;
  }
}

TEST(BatchPlacementTest, WrittenModelSolvedByGlpsolAgrees) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    PlanInstance instance = generate_plan_instance({40, 6, seed, 2, false, false});
    for (const std::string extension : {".lp", ".mps"}) {
      std::string model_path = testing::temp_model_path("batch" + extension);
      BatchOptions options = exact(BatchObjective::kPlacedWork);
      options.write_model_path = model_path;
      Cluster cluster = instance.cluster;
      BatchResult result = solve_batch_placement(cluster, instance.tasks, options);
      ASSERT_EQ(result.status, SolveStatus::kOptimal);
      double glpk = testing::glpsol_objective(model_path);
      std::filesystem::remove(model_path);
      // The model is written as a minimization of minus the placed work.
      EXPECT_NEAR(-glpk, result.objective, 1e-6 * result.objective) << "seed " << seed << extension;
    }
  }
}

}  // namespace
}  // namespace fulcrum
