#include "planning/plan.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>

namespace fulcrum {

Result<PlanProblem> PlanProblem::create(const Cluster& cluster, std::vector<Task> tasks) {
  auto waves = dependency_waves(tasks);
  if (!waves.ok()) return waves.status();
  PlanProblem problem;
  problem.nodes_.assign(cluster.nodes().begin(), cluster.nodes().end());
  for (const Node& node : problem.nodes_) problem.capacity_.push_back(node.free());
  problem.tasks_ = std::move(tasks);
  size_t task_count = problem.tasks_.size();
  size_t node_count = problem.nodes_.size();
  problem.durations_.assign(task_count * node_count, -1);
  problem.eligible_nodes_.resize(task_count);
  problem.predecessors_.resize(task_count);
  problem.successors_.resize(task_count);
  std::unordered_map<std::string_view, size_t> index_by_id;
  for (size_t task = 0; task < task_count; ++task) index_by_id[problem.tasks_[task].id] = task;
  for (size_t task = 0; task < task_count; ++task) {
    const Task& spec = problem.tasks_[task];
    for (size_t node = 0; node < node_count; ++node) {
      if (!node_can_run(problem.nodes_[node], spec)) continue;
      problem.durations_[task * node_count + node] = duration_on(spec, problem.nodes_[node]);
      problem.eligible_nodes_[task].push_back(node);
    }
    for (const std::string& dependency : spec.depends_on) {
      size_t predecessor = index_by_id.at(dependency);
      problem.predecessors_[task].push_back(predecessor);
      problem.successors_[predecessor].push_back(task);
    }
  }
  for (const std::vector<size_t>& wave : *waves) {
    problem.topological_order_.insert(problem.topological_order_.end(), wave.begin(), wave.end());
  }
  return problem;
}

int64_t PlanProblem::shortest_duration(size_t task) const {
  int64_t shortest = -1;
  for (size_t node : eligible_nodes_[task]) {
    int64_t length = duration(task, node);
    if (shortest < 0 || length < shortest) shortest = length;
  }
  return shortest;
}

PlanProblem PlanProblem::with_durations_rounded_up(int64_t unit_ms) const {
  PlanProblem rounded = *this;
  for (int64_t& length : rounded.durations_) {
    if (length > 0) length = (length + unit_ms - 1) / unit_ms * unit_ms;
  }
  return rounded;
}

int64_t PlanProblem::duration_gcd() const {
  int64_t divisor = 0;
  for (int64_t length : durations_) {
    if (length > 0) divisor = std::gcd(divisor, length);
  }
  return divisor > 0 ? divisor : 1;
}

std::string_view plan_objective_name(PlanObjective objective) {
  return objective == PlanObjective::kMakespan ? "makespan" : "weighted_completion";
}

Result<PlanObjective> parse_plan_objective(std::string_view name) {
  if (name == "makespan") return PlanObjective::kMakespan;
  if (name == "weighted_completion") return PlanObjective::kWeightedCompletion;
  return invalid_argument("objective \"" + std::string(name) +
                          "\": expected makespan or weighted_completion");
}

std::vector<int64_t> completion_times(size_t task_count, const Plan& plan) {
  std::vector<int64_t> completion(task_count, 0);
  for (const PlannedReplica& replica : plan.replicas) {
    completion[replica.task] = std::max(completion[replica.task], replica.end_ms);
  }
  return completion;
}

int64_t plan_makespan(const Plan& plan) {
  int64_t makespan = 0;
  for (const PlannedReplica& replica : plan.replicas) makespan = std::max(makespan, replica.end_ms);
  return makespan;
}

double plan_objective(std::span<const Task> tasks, const Plan& plan, PlanObjective objective) {
  if (objective == PlanObjective::kMakespan) return static_cast<double>(plan_makespan(plan));
  std::vector<int64_t> completion = completion_times(tasks.size(), plan);
  double total = 0;
  for (size_t task = 0; task < tasks.size(); ++task) {
    total += task_weight(tasks[task]) * static_cast<double>(completion[task]);
  }
  return total;
}

Plan with_true_durations(const PlanProblem& problem, Plan plan) {
  for (PlannedReplica& replica : plan.replicas) {
    replica.end_ms = replica.start_ms + problem.duration(replica.task, replica.node);
  }
  return plan;
}

void sort_plan(Plan& plan) {
  std::sort(plan.replicas.begin(), plan.replicas.end(),
            [](const PlannedReplica& a, const PlannedReplica& b) {
              return std::tie(a.start_ms, a.task, a.replica) <
                     std::tie(b.start_ms, b.task, b.replica);
            });
}

}  // namespace fulcrum
