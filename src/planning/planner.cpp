#include "planning/planner.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace fulcrum {

double PlanResult::gap() const {
  if (status == SolveStatus::kInfeasible) return 0;
  double scale = std::max(std::abs(objective), 1e-9);
  if (objective == 0 && bound == 0) return 0;
  return std::max(0.0, (objective - bound) / scale);
}

namespace {

// Earliest completion of each task with its shortest durations and unlimited capacity.
std::vector<double> earliest_completions(const PlanProblem& problem) {
  std::vector<double> completion(problem.task_count(), 0);
  for (size_t task : problem.topological_order()) {
    double start = 0;
    for (size_t predecessor : problem.predecessors(task)) {
      start = std::max(start, completion[predecessor]);
    }
    completion[task] =
        start + static_cast<double>(std::max<int64_t>(0, problem.shortest_duration(task)));
  }
  return completion;
}

// Total replica-time over total capacity, in the most loaded of cpu, memory and gpu.
double load_bound(const PlanProblem& problem) {
  double cpu_work = 0, memory_work = 0, gpu_work = 0;
  for (size_t task = 0; task < problem.task_count(); ++task) {
    const Task& spec = problem.task(task);
    auto work =
        static_cast<double>(std::max<int64_t>(0, problem.shortest_duration(task))) * spec.replicas;
    cpu_work += work * static_cast<double>(spec.demand.cpu_millis);
    memory_work += work * static_cast<double>(spec.demand.memory_bytes);
    gpu_work += work * static_cast<double>(spec.demand.gpu_milli);
  }
  double cpu = 0, memory = 0, gpu = 0;
  for (size_t node = 0; node < problem.node_count(); ++node) {
    if (!problem.node(node).schedulable()) continue;
    cpu += static_cast<double>(problem.capacity(node).cpu_millis);
    memory += static_cast<double>(problem.capacity(node).memory_bytes);
    gpu += static_cast<double>(problem.capacity(node).gpu_milli);
  }
  double bound = 0;
  if (cpu > 0) bound = std::max(bound, cpu_work / cpu);
  if (memory > 0) bound = std::max(bound, memory_work / memory);
  if (gpu > 0) bound = std::max(bound, gpu_work / gpu);
  return bound;
}

}  // namespace

double plan_lower_bound(const PlanProblem& problem, PlanObjective objective) {
  std::vector<double> completion = earliest_completions(problem);
  if (objective == PlanObjective::kMakespan) {
    double critical_path =
        completion.empty() ? 0 : *std::max_element(completion.begin(), completion.end());
    return std::max(critical_path, std::ceil(load_bound(problem) - 1e-9));
  }
  double total = 0;
  for (size_t task = 0; task < problem.task_count(); ++task) {
    total += task_weight(problem.task(task)) * completion[task];
  }
  return total;
}

PlanResult infeasible_result(std::string solver, const Status& reason) {
  PlanResult result;
  result.status = SolveStatus::kInfeasible;
  result.solver = std::move(solver);
  result.note = reason.message();
  return result;
}

PlanResult heuristic_result(const PlanProblem& problem, PlanObjective objective, std::string solver,
                            Result<Plan> plan) {
  if (!plan.ok()) return infeasible_result(std::move(solver), plan.status());
  PlanResult result;
  result.plan = std::move(plan).value();
  sort_plan(result.plan);
  result.solver = std::move(solver);
  result.objective = plan_objective(problem.tasks(), result.plan, objective);
  result.bound = plan_lower_bound(problem, objective);
  result.status =
      result.objective <= result.bound + 1e-9 ? SolveStatus::kOptimal : SolveStatus::kFeasible;
  result.note = "bound: critical path and resource load";
  return result;
}

PlanResult run_planner(Planner& planner, const PlanProblem& problem, PlanObjective objective) {
  auto started = std::chrono::steady_clock::now();
  PlanResult result = planner.plan(problem, objective);
  result.solve_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace fulcrum
