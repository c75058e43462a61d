// Batch placement as a mixed-integer model (CBC): the ready tasks x the nodes that can run them.
//   x[j,n] = replicas of task j on node n (0..replicas; 0/1 with anti_affinity);
//   p[j] = 1 when j is placed: sum_n x[j,n] = replicas(j) * p[j] (a gang: all replicas or none);
//   per node and resource dimension: sum_j demand(j) * x[j,n] <= free(n).
// Objectives:
//   placed_work  max sum_j priority weight * replicas * minutes(j) * p[j];
//   balance      min U with (allocated + placed)/capacity <= U on every node and dimension;
//   energy       min sum_n idle_watts * on[n] + (peak - idle) * utilization(n), on[n] >= x[j,n]/r;
//   throughput   max sum_j sum_n speed(j, n) / fastest speed(j) * x[j,n] / replicas (as Gavel).
// balance, energy and throughput are lexicographic after placed work unless place_all is set
// (then every task must be placed, or the result is infeasible with the blocking family named).
// Without a solution in time the fallback placer's answer is returned with the reason.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/cluster.h"
#include "milp/model.h"
#include "placement/placer.h"

namespace fulcrum {

enum class BatchObjective { kPlacedWork, kBalance, kEnergy, kThroughput };

std::string_view batch_objective_name(BatchObjective objective);
Result<BatchObjective> parse_batch_objective(std::string_view name);

// A batch of queued tasks for a placement solved outside the core (placement: milp), with a copy
// of the cluster as it was when the batch was taken.
struct PlacementBatch {
  Cluster cluster;
  std::vector<Task> tasks;
};

struct BatchOptions {
  BatchObjective objective = BatchObjective::kPlacedWork;
  bool place_all = false;
  bool anti_affinity = false;  // replicas of a gang on distinct nodes
  MilpOptions milp;            // the time limit is shared by both stages of a lexicographic solve
  std::string fallback_placer = "best_fit";
  std::string write_model_path;  // the (last stage's) model as .lp or .mps
  // Above this many assignment variables the fallback placer answers at once: CBC's root LP on
  // larger models does not honour the time limit (docs/optimizer.md).
  size_t max_variables = 5000;
};

struct BatchResult {
  Placement placement;  // allocated on the cluster passed in, as placers do
  SolveStatus status = SolveStatus::kInfeasible;
  double objective = 0;  // in the objective's unit: weighted replica-minutes, utilization, watts
  double bound = 0;
  double solve_seconds = 0;
  std::string solver;  // "milp" or the fallback placer
  std::string note;
  double gap() const;  // |bound - objective| / |objective|
};

// Places `tasks` (their dependencies are ignored) on `cluster`, allocating what it places; pass a
// copy to decide without committing. Never stalls longer than the time limit plus model building.
BatchResult solve_batch_placement(Cluster& cluster, std::span<const Task> tasks,
                                  const BatchOptions& options);

// The objective value of `placement` (made on `before`, the cluster as it was) under `objective`.
double batch_objective_value(const Cluster& before, std::span<const Task> tasks,
                             const Placement& placement, BatchObjective objective);

}  // namespace fulcrum
