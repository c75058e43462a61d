// Planners lay a task graph out in time on a cluster (see plan.h). Each reports the plan with
// its objective, the best lower bound it knows, the gap between them and a status, so that every
// answer says how far from optimal it may be.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/registry.h"
#include "core/solve_status.h"
#include "planning/plan.h"

namespace fulcrum {

struct PlanResult {
  Plan plan;
  SolveStatus status = SolveStatus::kFeasible;
  double objective = 0;  // ms (makespan) or weight x ms (weighted completion)
  double bound = 0;      // no plan can do better than this
  double solve_seconds = 0;
  std::string solver;  // what produced the plan: "milp", or the heuristic it fell back to
  std::string note;    // why a fallback was used, why infeasible, how the bound was obtained
  // (objective - bound) / objective, 0 when both are 0.
  double gap() const;
};

class Planner {
 public:
  virtual ~Planner() = default;
  virtual std::string_view name() const = 0;
  // Never fails on a well-formed problem: an infeasible one gives status kInfeasible.
  virtual PlanResult plan(const PlanProblem& problem, PlanObjective objective) = 0;
};

// A valid lower bound without solving: for makespan the longer of the critical path (shortest
// durations) and the most loaded resource dimension's total work over total capacity; for
// weighted completion the sum of weight x earliest possible completion.
double plan_lower_bound(const PlanProblem& problem, PlanObjective objective);

// The result for a problem no plan exists for (note = `reason`).
PlanResult infeasible_result(std::string solver, const Status& reason);

// Fills objective, bound and status for a heuristic plan (status kOptimal when it meets the bound).
PlanResult heuristic_result(const PlanProblem& problem, PlanObjective objective, std::string solver,
                            Result<Plan> plan);

using PlannerEntry = RegistryEntry<Planner>;

// greedy, heft, anneal, milp.
const std::vector<PlannerEntry>& planner_registry();
Result<std::unique_ptr<Planner>> make_planner(const std::string& name,
                                              const PolicyParams& params = {});

// Runs `planner` and records the wall time it took in solve_seconds.
PlanResult run_planner(Planner& planner, const PlanProblem& problem, PlanObjective objective);

}  // namespace fulcrum
