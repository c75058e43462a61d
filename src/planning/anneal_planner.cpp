#include "planning/anneal_planner.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/random.h"
#include "planning/heft_planner.h"
#include "planning/list_scheduler.h"

namespace fulcrum {

namespace {

struct Candidate {
  std::vector<double> keys;
  ListScheduleOptions options;
};

// Where each task ran in a decoded plan (a gang: its first replica's node, its latest end).
struct Placed {
  size_t node = 0;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};

std::vector<Placed> placed_tasks(size_t task_count, const Plan& plan) {
  std::vector<Placed> placed(task_count);
  for (const PlannedReplica& replica : plan.replicas) {
    Placed& entry = placed[replica.task];
    if (replica.replica == 0) {
      entry.node = replica.node;
      entry.start_ms = replica.start_ms;
    }
    entry.end_ms = std::max(entry.end_ms, replica.end_ms);
  }
  return placed;
}

}  // namespace

std::vector<CriticalLink> critical_chain(const PlanProblem& problem, const Plan& plan) {
  std::vector<CriticalLink> chain;
  if (plan.replicas.empty()) return chain;
  std::vector<Placed> placed = placed_tasks(problem.task_count(), plan);
  // The task that ends last (lowest index on ties), then back along what held each one up.
  size_t task = 0;
  for (size_t other = 1; other < placed.size(); ++other) {
    if (placed[other].end_ms > placed[task].end_ms) task = other;
  }
  std::vector<bool> seen(problem.task_count(), false);
  while (!seen[task]) {
    seen[task] = true;
    CriticalLink link{task, std::nullopt, false};
    int64_t start = placed[task].start_ms;
    for (size_t predecessor : problem.predecessors(task)) {
      if (placed[predecessor].end_ms == start) {
        link.blocker = predecessor;
        link.by_precedence = true;
        break;
      }
    }
    if (!link.blocker && start > 0) {
      for (const PlannedReplica& replica : plan.replicas) {
        if (replica.task != task && replica.node == placed[task].node && replica.end_ms == start) {
          link.blocker = replica.task;
          break;
        }
      }
    }
    chain.push_back(link);
    if (!link.blocker) break;
    task = *link.blocker;
  }
  return chain;
}

namespace {

// Makespan is flat under most moves (only the last task counts); the mean completion time, at a
// weight too small to outvote one millisecond of makespan per task, tells the search which of
// two plans of equal makespan has more room at its end.
double search_cost(std::span<const Task> tasks, const Plan& plan, PlanObjective objective) {
  double cost = plan_objective(tasks, plan, objective);
  if (objective != PlanObjective::kMakespan || tasks.empty()) return cost;
  std::vector<int64_t> completion = completion_times(tasks.size(), plan);
  double total = 0;
  for (int64_t end : completion) total += static_cast<double>(end);
  return cost + 1e-3 * total / static_cast<double>(tasks.size());
}

size_t pick(const std::vector<size_t>& items, Rng& rng) { return items[rng.uniform(items.size())]; }

// One move. Half of them act on the current plan's critical chain: the task that held up a
// critical task goes after it (their keys swap), or the critical task moves to another node.
// The rest are the classic ones: swap two random keys, pin or unpin a random task.
void mutate(const PlanProblem& problem, const std::vector<CriticalLink>& chain,
            Candidate& candidate, Rng& rng) {
  size_t task_count = problem.task_count();
  auto repin = [&](size_t task) {
    std::optional<size_t>& pin = candidate.options.pinned_node[task];
    if (pin && rng.uniform01() < 0.3) {
      pin.reset();
    } else {
      pin = pick(problem.eligible_nodes(task), rng);
    }
  };
  if (!chain.empty() && rng.uniform01() < 0.5) {
    const CriticalLink& link = chain[rng.uniform(chain.size())];
    bool single = problem.task(link.task).replicas == 1;
    if (link.blocker && !link.by_precedence && (!single || rng.uniform01() < 0.5)) {
      std::swap(candidate.keys[link.task], candidate.keys[*link.blocker]);
    } else if (single) {
      repin(link.task);
    } else {
      candidate.keys[link.task] *= 1.0 + rng.uniform01();
    }
    return;
  }
  size_t task = rng.uniform(task_count);
  if (rng.uniform01() < 0.6 || problem.task(task).replicas > 1) {
    size_t other = rng.uniform(task_count);
    std::swap(candidate.keys[task], candidate.keys[other]);
    return;
  }
  repin(task);
}

// A decode costs about tasks^2 (insertion scans every placed task): 120M / tasks^2 candidates
// take about 2 s on a 2-core VM at 500 and 1,000 tasks.
int64_t default_iterations(const PlanProblem& problem) {
  auto tasks = static_cast<int64_t>(std::max<size_t>(1, problem.task_count()));
  return std::clamp<int64_t>(120'000'000 / (tasks * tasks), 100, 20000);
}

}  // namespace

PlanResult AnnealPlanner::plan(const PlanProblem& problem, PlanObjective objective) {
  SteadyClock steady;
  const Clock& clock = options_.clock != nullptr ? *options_.clock : steady;
  Nanos started = clock.now();
  Candidate current;
  current.keys = heft_upward_ranks(problem);
  current.options.rule = NodeRule::kEarliestFinish;
  current.options.pinned_node.assign(problem.task_count(), std::nullopt);
  Result<Plan> start = list_schedule(problem, current.keys, current.options);
  if (!start.ok() || problem.task_count() < 2) {
    return heuristic_result(problem, objective, "anneal", std::move(start));
  }
  double current_cost = search_cost(problem.tasks(), *start, objective);
  std::vector<CriticalLink> current_chain = critical_chain(problem, *start);
  Plan best_plan = std::move(start).value();
  Candidate best = current;
  double best_objective = plan_objective(problem.tasks(), best_plan, objective);
  double best_cost = current_cost;
  double lower_bound = plan_lower_bound(problem, objective);
  int64_t iterations = options_.iterations > 0 ? options_.iterations : default_iterations(problem);
  // Temperature falls geometrically from 1% of HEFT's objective to 1/1000 of that over the
  // iterations, never with the clock, so the machine's speed changes no plan the limit leaves
  // alone.
  double initial_temperature = std::max(1.0, 0.01 * best_objective);
  double temperature = initial_temperature;
  // Restart from the best candidate after this many steps without a new best.
  int64_t restart_after = std::max<int64_t>(200, 4 * static_cast<int64_t>(problem.task_count()));
  int64_t since_best = 0;
  Rng rng(seed_);
  std::optional<int64_t> stopped_at;
  for (int64_t step = 0; step < iterations && best_objective > lower_bound + 1e-9; ++step) {
    if (options_.time_limit_seconds > 0 &&
        std::chrono::duration<double>(clock.now() - started).count() >=
            options_.time_limit_seconds) {
      stopped_at = step;
      break;
    }
    double progress = static_cast<double>(step) / static_cast<double>(iterations);
    temperature = initial_temperature * std::pow(1e-3, progress);
    if (++since_best > restart_after) {
      current = best;
      current_cost = best_cost;
      current_chain = critical_chain(problem, best_plan);
      since_best = 0;
    }
    Candidate next = current;
    mutate(problem, current_chain, next, rng);
    Result<Plan> decoded = list_schedule(problem, next.keys, next.options);
    if (!decoded.ok()) continue;
    double cost = search_cost(problem.tasks(), *decoded, objective);
    double delta = cost - current_cost;
    if (delta > 0 && rng.uniform01() >= std::exp(-delta / temperature)) continue;
    current = std::move(next);
    current_cost = cost;
    current_chain = critical_chain(problem, *decoded);
    if (cost < best_cost - 1e-9) {
      best_cost = cost;
      best = current;
      best_objective = plan_objective(problem.tasks(), *decoded, objective);
      best_plan = std::move(decoded).value();
      since_best = 0;
    }
  }
  PlanResult result = heuristic_result(problem, objective, "anneal", std::move(best_plan));
  if (stopped_at) {
    result.note += "; the time limit stopped the search after " + std::to_string(*stopped_at) +
                   " of " + std::to_string(iterations) + " candidates";
  }
  return result;
}

PlannerEntry anneal_planner_entry() {
  return {
      "anneal",
      "simulated annealing over HEFT's task order and node choices, with moves on the "
      "critical chain (deterministic per seed unless the time limit stops it)",
      {{"seed", "1", "random seed"},
       {"iterations", "0", "candidates to try; 0 picks 120M / tasks^2 of them, within 100..20000"},
       {"time_limit", format_number(AnnealOptions::kDefaultTimeLimitSeconds),
        "seconds to search at most (0: no limit)"}},
      [](const PolicyParams& params) -> Result<std::unique_ptr<Planner>> {
        auto seed = params.get_int_in("seed", 1, 0, INT64_MAX);
        if (!seed.ok()) return seed.status();
        auto iterations = params.get_int_in("iterations", 0, 0, 100'000'000);
        if (!iterations.ok()) return iterations.status();
        auto time_limit =
            params.get_double_in("time_limit", AnnealOptions::kDefaultTimeLimitSeconds, 0, 1e6);
        if (!time_limit.ok()) return time_limit.status();
        AnnealOptions options{*iterations, *time_limit};
        return std::unique_ptr<Planner>(
            std::make_unique<AnnealPlanner>(static_cast<uint64_t>(*seed), options));
      }};
}

}  // namespace fulcrum
