// milp: the DAG plan as a time-indexed mixed-integer model, solved by CBC (milp_solver.h).
//   x[j,n,t] = replicas of task j starting on node n in slot t (binary for single tasks);
//   gangs: y[j,t] = 1 when j starts in slot t, sum_n x[j,n,t] = replicas * y[j,t];
//   every task starts once; C[j] >= start(j) + duration(j,n) for each node n it uses;
//   precedence start(k) >= C[j]; for each node, slot and resource dimension the replicas running
//   then fit what is free. Objective: makespan (min Cmax >= C[j]) or sum of weight * C[j].
// Slots are the gcd of all durations when the horizon needs at most `max_slots` of them (the
// model is then exact); otherwise durations are rounded up to a coarser grid, and the plan is
// valid but its bound is the combinatorial one (plan_lower_bound). The best of HEFT, greedy and a
// short annealing run from HEFT is the warm start and sets the horizon; it is also the answer
// when CBC finds nothing in time or the model would be too large, with the reason in `note`.
#pragma once

#include <functional>
#include <string>

#include "milp/model.h"
#include "planning/milp_disjunctive.h"
#include "planning/planner.h"

namespace fulcrum {

// time_indexed: the model below (exact for cumulative capacity); disjunctive: milp_disjunctive.h
// (pairwise ordering, exact only on one-task-at-a-time nodes; otherwise the warm start is used).
enum class MilpFormulation { kTimeIndexed, kDisjunctive };

struct MilpPlanOptions {
  MilpOptions milp;
  MilpFormulation formulation = MilpFormulation::kTimeIndexed;
  int max_slots = 400;
  // Above this many start variables (time-indexed) or ordering rows (disjunctive) the model is
  // not built and the warm start is the answer: CBC ignores the time limit on larger models
  // (docs/optimizer.md).
  size_t max_variables = 8000;
  std::string write_model_path;  // write the model here (.lp or .mps) before solving
  // When HEFT/greedy do not meet the bound, annealing (seed 1) gets this many candidates, and at
  // most min(1 s, 20% of the time limit), to improve the warm start; 0 turns it off.
  int64_t anneal_iterations = 2000;
};

// The time-indexed model of `problem` (durations must be multiples of `slot_ms`) over
// `horizon_slots`, with values for `warm_start` (a plan of `problem`, or empty for none).
using TimeIndexedModel = PlanModel;
TimeIndexedModel build_time_indexed_model(const PlanProblem& problem, PlanObjective objective,
                                          int64_t slot_ms, int64_t horizon_slots,
                                          const Plan* warm_start);

class MilpPlanner : public Planner {
 public:
  explicit MilpPlanner(MilpPlanOptions options) : options_(std::move(options)) {}
  std::string_view name() const override { return "milp"; }
  PlanResult plan(const PlanProblem& problem, PlanObjective objective) override;

 private:
  MilpPlanOptions options_;
};

PlannerEntry milp_planner_entry();

}  // namespace fulcrum
