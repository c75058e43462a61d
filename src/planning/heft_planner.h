// heft: Heterogeneous Earliest Finish Time (Topcuoglu et al., 2002) without communication costs.
//   rank(t) = mean over eligible nodes of duration(t, n) + max over successors s of rank(s)
// Tasks go in decreasing rank (a ready task each time); each to the node where it finishes first,
// using gaps between tasks already placed (insertion).
#pragma once

#include <vector>

#include "planning/planner.h"

namespace fulcrum {

// Upward rank of every task.
std::vector<double> heft_upward_ranks(const PlanProblem& problem);

class HeftPlanner : public Planner {
 public:
  std::string_view name() const override { return "heft"; }
  PlanResult plan(const PlanProblem& problem, PlanObjective objective) override;
};

PlannerEntry heft_planner_entry();

}  // namespace fulcrum
