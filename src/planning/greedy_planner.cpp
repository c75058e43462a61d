#include "planning/greedy_planner.h"

#include "planning/list_scheduler.h"

namespace fulcrum {

PlanResult GreedyPlanner::plan(const PlanProblem& problem, PlanObjective objective) {
  std::vector<double> keys;
  for (const Task& task : problem.tasks()) keys.push_back(task.priority);
  ListScheduleOptions options;
  options.rule = NodeRule::kEarliestStart;
  return heuristic_result(problem, objective, "greedy", list_schedule(problem, keys, options));
}

PlannerEntry greedy_planner_entry() {
  return {"greedy",
          "list scheduling by priority, each task where it starts first",
          {},
          [](const PolicyParams&) -> Result<std::unique_ptr<Planner>> {
            return std::unique_ptr<Planner>(std::make_unique<GreedyPlanner>());
          }};
}

}  // namespace fulcrum
