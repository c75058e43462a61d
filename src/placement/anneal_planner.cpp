#include "placement/anneal_planner.h"

#include <algorithm>
#include <cmath>

#include "core/random.h"
#include "placement/heft_planner.h"
#include "placement/list_scheduler.h"

namespace fulcrum {

namespace {

struct Candidate {
  std::vector<double> keys;
  ListScheduleOptions options;
};

int64_t default_iterations(const PlanProblem& problem) {
  int64_t size =
      static_cast<int64_t>(problem.task_count() * std::max<size_t>(1, problem.node_count()));
  return std::clamp<int64_t>(4'000'000 / std::max<int64_t>(1, size), 100, 3000);
}

void mutate(const PlanProblem& problem, Candidate& candidate, Rng& rng) {
  size_t task_count = problem.task_count();
  size_t task = rng.uniform(task_count);
  if (rng.uniform01() < 0.6 || problem.task(task).replicas > 1) {
    size_t other = rng.uniform(task_count);
    std::swap(candidate.keys[task], candidate.keys[other]);
    return;
  }
  std::optional<size_t>& pin = candidate.options.pinned_node[task];
  const std::vector<size_t>& nodes = problem.eligible_nodes(task);
  if (pin && rng.uniform01() < 0.3) {
    pin.reset();
  } else {
    pin = nodes[rng.uniform(nodes.size())];
  }
}

}  // namespace

PlanResult AnnealPlanner::plan(const PlanProblem& problem, PlanObjective objective) {
  Candidate current;
  current.keys = heft_upward_ranks(problem);
  current.options.rule = NodeRule::kEarliestFinish;
  current.options.pinned_node.assign(problem.task_count(), std::nullopt);
  Result<Plan> start = list_schedule(problem, current.keys, current.options);
  if (!start.ok() || problem.task_count() < 2) {
    return heuristic_result(problem, objective, "anneal", std::move(start));
  }
  double current_cost = plan_objective(problem.tasks(), *start, objective);
  Plan best_plan = std::move(start).value();
  double best_cost = current_cost;
  double lower_bound = plan_lower_bound(problem, objective);
  int64_t iterations = iterations_ > 0 ? iterations_ : default_iterations(problem);
  double temperature = std::max(1.0, 0.02 * current_cost);
  double cooling = std::pow(1e-3, 1.0 / static_cast<double>(iterations));
  Rng rng(seed_);
  for (int64_t step = 0; step < iterations && best_cost > lower_bound + 1e-9; ++step) {
    Candidate next = current;
    mutate(problem, next, rng);
    Result<Plan> decoded = list_schedule(problem, next.keys, next.options);
    temperature *= cooling;
    if (!decoded.ok()) continue;
    double cost = plan_objective(problem.tasks(), *decoded, objective);
    double delta = cost - current_cost;
    if (delta > 0 && rng.uniform01() >= std::exp(-delta / temperature)) continue;
    current = std::move(next);
    current_cost = cost;
    if (cost < best_cost) {
      best_cost = cost;
      best_plan = std::move(decoded).value();
    }
  }
  return heuristic_result(problem, objective, "anneal", std::move(best_plan));
}

PlannerEntry anneal_planner_entry() {
  return {"anneal",
          "simulated annealing over HEFT's task order and node choices (deterministic per seed)",
          {{"seed", "1", "random seed"},
           {"iterations", "0", "candidates to try; 0 picks 100..3000 by instance size"}},
          [](const PolicyParams& params) -> Result<std::unique_ptr<Planner>> {
            auto seed = params.get_int_in("seed", 1, 0, INT64_MAX);
            if (!seed.ok()) return seed.status();
            auto iterations = params.get_int_in("iterations", 0, 0, 100'000'000);
            if (!iterations.ok()) return iterations.status();
            return std::unique_ptr<Planner>(
                std::make_unique<AnnealPlanner>(static_cast<uint64_t>(*seed), *iterations));
          }};
}

}  // namespace fulcrum
