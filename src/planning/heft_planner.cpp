#include "planning/heft_planner.h"

#include <algorithm>

#include "planning/list_scheduler.h"

namespace fulcrum {

std::vector<double> heft_upward_ranks(const PlanProblem& problem) {
  std::vector<double> rank(problem.task_count(), 0);
  const std::vector<size_t>& order = problem.topological_order();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    size_t task = *it;
    double mean = 0;
    for (size_t node : problem.eligible_nodes(task)) {
      mean += static_cast<double>(problem.duration(task, node));
    }
    if (!problem.eligible_nodes(task).empty()) {
      mean /= static_cast<double>(problem.eligible_nodes(task).size());
    }
    double tail = 0;
    for (size_t successor : problem.successors(task)) tail = std::max(tail, rank[successor]);
    rank[task] = mean + tail;
  }
  return rank;
}

PlanResult HeftPlanner::plan(const PlanProblem& problem, PlanObjective objective) {
  ListScheduleOptions options;
  options.rule = NodeRule::kEarliestFinish;
  return heuristic_result(problem, objective, "heft",
                          list_schedule(problem, heft_upward_ranks(problem), options));
}

PlannerEntry heft_planner_entry() {
  return {"heft",
          "HEFT: tasks by upward rank, each where it finishes first (with insertion)",
          {},
          [](const PolicyParams&) -> Result<std::unique_ptr<Planner>> {
            return std::unique_ptr<Planner>(std::make_unique<HeftPlanner>());
          }};
}

}  // namespace fulcrum
