// The DAG plan as a disjunctive MILP, the alternative to the time-indexed model of
// milp_planner.h (docs/optimizer.md compares the two by measurement):
//   a[j,n] = 1 when task j runs on node n (sum over n = 1); S[j] >= 0 its start (continuous);
//   C[j] = S[j] + sum_n duration(j,n) * a[j,n]; precedence S[k] >= C[j];
//   for each pair of tasks not ordered by the graph that can share a node, o[i,j] = 1 when i goes
//   first, and on every common node n, with M the horizon:
//     S[j] >= C[i] - M (1 - o[i,j]) - M (2 - a[i,n] - a[j,n])
//     S[i] >= C[j] - M o[i,j]       - M (2 - a[i,n] - a[j,n])
//   objective makespan (Cmax >= C[j]) or sum of weight * C[j].
// Pairwise ordering is exact only when a node runs one task at a time (every two tasks that can
// run on it do not fit on it together); with cumulative capacity three tasks that fit pairwise
// may not fit together. `disjunctive_applies` says whether a problem is of that kind.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "milp/model.h"
#include "planning/plan.h"

namespace fulcrum {

// Ok when every node is unary for the tasks it can run and no task is a gang; otherwise an error
// naming the gang, or the two tasks that fit together on a node.
Status disjunctive_applies(const PlanProblem& problem);

// A DAG-plan model (either formulation) with values for its warm start (empty for none) and
// the decoding of a solution into a plan of the problem it was built for.
struct PlanModel {
  MilpModel model;
  std::vector<double> warm_start;
  std::function<Plan(const std::vector<double>&)> decode;
};
using DisjunctiveModel = PlanModel;

// Ordering rows the model would have: two per unordered pair of tasks and common node.
size_t disjunctive_ordering_rows(const PlanProblem& problem);

// Times in units of `unit_ms` (every duration must be a multiple of it); `horizon_units` bounds
// every completion; `warm_start` a plan of `problem` or null.
DisjunctiveModel build_disjunctive_model(const PlanProblem& problem, PlanObjective objective,
                                         int64_t unit_ms, int64_t horizon_units,
                                         const Plan* warm_start);

}  // namespace fulcrum
