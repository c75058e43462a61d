#include "planning/milp_disjunctive.h"

#include <algorithm>
#include <cmath>

#include "planning/planner.h"

namespace fulcrum {

namespace {

// reaches[i][j]: j depends on i, directly or through other tasks.
std::vector<std::vector<bool>> reachability(const PlanProblem& problem) {
  size_t count = problem.task_count();
  std::vector<std::vector<bool>> reaches(count, std::vector<bool>(count, false));
  const std::vector<size_t>& order = problem.topological_order();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    for (size_t successor : problem.successors(*it)) {
      reaches[*it][successor] = true;
      for (size_t later = 0; later < count; ++later) {
        if (reaches[successor][later]) reaches[*it][later] = true;
      }
    }
  }
  return reaches;
}

std::vector<size_t> common_nodes(const PlanProblem& problem, size_t first, size_t second) {
  std::vector<size_t> common;
  for (size_t node : problem.eligible_nodes(first)) {
    if (problem.eligible(second, node)) common.push_back(node);
  }
  return common;
}

}  // namespace

Status disjunctive_applies(const PlanProblem& problem) {
  for (size_t task = 0; task < problem.task_count(); ++task) {
    if (problem.task(task).replicas > 1) {
      return invalid_argument("disjunctive formulation: task " + problem.task(task).id +
                              " is a gang of " + std::to_string(problem.task(task).replicas) +
                              " replicas (only single tasks are modelled)");
    }
  }
  for (size_t first = 0; first < problem.task_count(); ++first) {
    for (size_t second = first + 1; second < problem.task_count(); ++second) {
      for (size_t node : common_nodes(problem, first, second)) {
        if ((problem.task(first).demand + problem.task(second).demand)
                .fits_in(problem.capacity(node))) {
          return invalid_argument("disjunctive formulation: tasks " + problem.task(first).id +
                                  " and " + problem.task(second).id + " fit together on node " +
                                  problem.node(node).id +
                                  " (pairwise ordering is exact only on one-task-at-a-time "
                                  "nodes; use the time-indexed formulation)");
        }
      }
    }
  }
  return Status::ok_status();
}

size_t disjunctive_ordering_rows(const PlanProblem& problem) {
  std::vector<std::vector<bool>> reaches = reachability(problem);
  size_t rows = 0;
  for (size_t first = 0; first < problem.task_count(); ++first) {
    for (size_t second = first + 1; second < problem.task_count(); ++second) {
      if (reaches[first][second] || reaches[second][first]) continue;
      rows += 2 * common_nodes(problem, first, second).size();
    }
  }
  return rows;
}

DisjunctiveModel build_disjunctive_model(const PlanProblem& problem, PlanObjective objective,
                                         int64_t unit_ms, int64_t horizon, const Plan* warm) {
  DisjunctiveModel built;
  MilpModel& model = built.model;
  size_t count = problem.task_count();
  auto units = [&](size_t task, size_t node) {
    return static_cast<double>(problem.duration(task, node) / unit_ms);
  };
  auto big_m = static_cast<double>(horizon);
  // Earliest starts (shortest durations along the graph) as lower bounds of S.
  std::vector<double> earliest(count, 0);
  for (size_t task : problem.topological_order()) {
    for (size_t predecessor : problem.predecessors(task)) {
      earliest[task] =
          std::max(earliest[task],
                   earliest[predecessor] +
                       static_cast<double>(problem.shortest_duration(predecessor) / unit_ms));
    }
  }
  std::vector<std::vector<int>> assign(count, std::vector<int>(problem.node_count(), -1));
  std::vector<int> start(count), completion(count);
  for (size_t task = 0; task < count; ++task) {
    std::string suffix = "_" + std::to_string(task);
    double weight =
        objective == PlanObjective::kWeightedCompletion ? task_weight(problem.task(task)) : 0;
    start[task] = model.add_variable("S" + suffix, earliest[task], big_m, 0, false);
    completion[task] = model.add_variable("C" + suffix, 0, big_m, weight, false);
    MilpModel::Terms once, end{{completion[task], 1}, {start[task], -1}};
    for (size_t node : problem.eligible_nodes(task)) {
      assign[task][node] =
          model.add_variable("a" + suffix + "_" + std::to_string(node), 0, 1, 0, true);
      once.emplace_back(assign[task][node], 1);
      end.emplace_back(assign[task][node], -units(task, node));
    }
    model.add_row("once" + suffix, 1, 1, once);
    model.add_row("end" + suffix, 0, 0, end);
  }
  int makespan = -1;
  if (objective == PlanObjective::kMakespan) {
    makespan = model.add_variable("Cmax", 0, big_m, 1, false);
    for (size_t task = 0; task < count; ++task) {
      model.add_row("makespan_" + std::to_string(task), 0, 1e30,
                    {{makespan, 1}, {completion[task], -1}});
    }
  }
  for (size_t task = 0; task < count; ++task) {
    for (size_t predecessor : problem.predecessors(task)) {
      model.add_row("after_" + std::to_string(task) + "_" + std::to_string(predecessor), 0, 1e30,
                    {{start[task], 1}, {completion[predecessor], -1}});
    }
  }
  std::vector<std::vector<bool>> reaches = reachability(problem);
  struct Pair {
    size_t first, second;
    int order;
  };
  std::vector<Pair> pairs;
  for (size_t first = 0; first < count; ++first) {
    for (size_t second = first + 1; second < count; ++second) {
      if (reaches[first][second] || reaches[second][first]) continue;
      std::vector<size_t> nodes = common_nodes(problem, first, second);
      if (nodes.empty()) continue;
      std::string pair = "_" + std::to_string(first) + "_" + std::to_string(second);
      int order = model.add_variable("o" + pair, 0, 1, 0, true);
      pairs.push_back({first, second, order});
      for (size_t node : nodes) {
        std::string name = pair + "_" + std::to_string(node);
        // S2 - C1 - M o - M a1 - M a2 >= -3M   (first before second when o = 1)
        model.add_row("before" + name, -3 * big_m, 1e30,
                      {{start[second], 1},
                       {completion[first], -1},
                       {order, -big_m},
                       {assign[first][node], -big_m},
                       {assign[second][node], -big_m}});
        // S1 - C2 + M o - M a1 - M a2 >= -2M   (second before first when o = 0)
        model.add_row("after" + name, -2 * big_m, 1e30,
                      {{start[first], 1},
                       {completion[second], -1},
                       {order, big_m},
                       {assign[first][node], -big_m},
                       {assign[second][node], -big_m}});
      }
    }
  }
  // The combinatorial bound as a row, as in the time-indexed model.
  MilpModel::Terms objective_terms;
  if (makespan >= 0) {
    objective_terms.emplace_back(makespan, 1);
  } else {
    for (size_t task = 0; task < count; ++task) {
      objective_terms.emplace_back(completion[task], task_weight(problem.task(task)));
    }
  }
  model.add_row(
      "lower_bound",
      std::ceil(plan_lower_bound(problem, objective) / static_cast<double>(unit_ms) - 1e-9), 1e30,
      objective_terms);

  if (warm != nullptr && warm->replicas.size() == count) {
    std::vector<double>& values = built.warm_start;
    values.assign(model.variable_count(), 0);
    std::vector<double> begin(count, 0), end(count, 0);
    for (const PlannedReplica& replica : warm->replicas) {
      begin[replica.task] = static_cast<double>(replica.start_ms / unit_ms);
      end[replica.task] = begin[replica.task] + units(replica.task, replica.node);
      values[start[replica.task]] = begin[replica.task];
      values[completion[replica.task]] = end[replica.task];
      values[assign[replica.task][replica.node]] = 1;
    }
    for (const Pair& pair : pairs) values[pair.order] = begin[pair.first] <= begin[pair.second];
    if (makespan >= 0) values[makespan] = *std::max_element(end.begin(), end.end());
  }

  // The solver's node choices and, per node, its order; each task then starts as early as that
  // order and the graph allow (left shift), so fractional or slack starts never break the plan
  // and no completion is later than in the solution.
  built.decode = [&problem, assign, start](const std::vector<double>& solution) {
    size_t task_count = problem.task_count();
    std::vector<size_t> position(task_count);
    for (size_t index = 0; index < task_count; ++index) {
      position[problem.topological_order()[index]] = index;
    }
    std::vector<size_t> order(task_count);
    for (size_t task = 0; task < task_count; ++task) order[task] = task;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return std::make_pair(solution[start[a]], position[a]) <
             std::make_pair(solution[start[b]], position[b]);
    });
    std::vector<int64_t> node_free(problem.node_count(), 0), end(task_count, 0);
    Plan plan;
    for (size_t task : order) {
      size_t chosen = problem.eligible_nodes(task).front();
      for (size_t node : problem.eligible_nodes(task)) {
        if (solution[assign[task][node]] > solution[assign[task][chosen]]) chosen = node;
      }
      int64_t begin = node_free[chosen];
      for (size_t predecessor : problem.predecessors(task))
        begin = std::max(begin, end[predecessor]);
      end[task] = begin + problem.duration(task, chosen);
      node_free[chosen] = end[task];
      plan.replicas.push_back({task, 0, chosen, begin, end[task]});
    }
    return plan;
  };
  return built;
}

}  // namespace fulcrum
