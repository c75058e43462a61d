// greedy: list scheduling in priority order. Among the tasks whose dependencies are planned, the
// highest priority (then the first in the file) goes next, to the node where it can start first.
#pragma once

#include "planning/planner.h"

namespace fulcrum {

class GreedyPlanner : public Planner {
 public:
  std::string_view name() const override { return "greedy"; }
  PlanResult plan(const PlanProblem& problem, PlanObjective objective) override;
};

PlannerEntry greedy_planner_entry();

}  // namespace fulcrum
