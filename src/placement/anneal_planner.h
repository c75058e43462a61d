// anneal: simulated annealing over HEFT's decisions. A candidate is a task priority list plus
// optional node pins; it is decoded by list scheduling (earliest finish, insertion). Moves swap
// two tasks' priorities or pin/unpin one task to a node. A worse candidate (cost rises by delta) is
// accepted with probability exp(-delta / T), T cooling geometrically from 2% of HEFT's objective.
// Starts from HEFT and returns the best plan seen, so it is never worse than HEFT; the same seed
// gives the same plan.
#pragma once

#include <cstdint>

#include "placement/planner.h"

namespace fulcrum {

class AnnealPlanner : public Planner {
 public:
  // iterations == 0: chosen from the instance size (fewer for larger instances).
  AnnealPlanner(uint64_t seed, int64_t iterations) : seed_(seed), iterations_(iterations) {}
  std::string_view name() const override { return "anneal"; }
  PlanResult plan(const PlanProblem& problem, PlanObjective objective) override;

 private:
  uint64_t seed_;
  int64_t iterations_;
};

PlannerEntry anneal_planner_entry();

}  // namespace fulcrum
