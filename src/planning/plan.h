// The plan model: tasks with durations and dependencies laid out in time on the nodes of a
// cluster. A PlanProblem is the solver-facing view (eligibility, per-node durations, the graph);
// a Plan says which node runs each replica and when. Planners (greedy, heft, anneal, milp) take a
// problem and return a plan; plan_validator.h checks a plan against the cluster and the tasks.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/cluster.h"
#include "core/status.h"
#include "core/task.h"
#include "placement/feasibility.h"

namespace fulcrum {

// Tasks to plan on nodes. Each node offers what is free on it now (capacity - allocated) for the
// whole plan; every replica of a task starts at the same time (a gang).
class PlanProblem {
 public:
  // Fails when the task graph is invalid (duplicate id, unknown dependency, cycle).
  static Result<PlanProblem> create(const Cluster& cluster, std::vector<Task> tasks);

  size_t task_count() const { return tasks_.size(); }
  size_t node_count() const { return nodes_.size(); }
  const Task& task(size_t index) const { return tasks_[index]; }
  const Node& node(size_t index) const { return nodes_[index]; }
  std::span<const Task> tasks() const { return tasks_; }
  std::span<const Node> nodes() const { return nodes_; }
  const ResourceVector& capacity(size_t node) const { return capacity_[node]; }

  bool eligible(size_t task, size_t node) const { return duration(task, node) >= 0; }
  // Duration of `task` on `node` in ms, or -1 when the node cannot run it.
  int64_t duration(size_t task, size_t node) const {
    return durations_[task * nodes_.size() + node];
  }
  int64_t shortest_duration(size_t task) const;
  const std::vector<size_t>& eligible_nodes(size_t task) const { return eligible_nodes_[task]; }
  const std::vector<size_t>& predecessors(size_t task) const { return predecessors_[task]; }
  const std::vector<size_t>& successors(size_t task) const { return successors_[task]; }
  // Every task after all of its predecessors.
  const std::vector<size_t>& topological_order() const { return topological_order_; }

  // The same problem with every duration rounded up to a multiple of `unit_ms` (a time grid).
  PlanProblem with_durations_rounded_up(int64_t unit_ms) const;
  // Greatest common divisor of all durations (1 when there are none).
  int64_t duration_gcd() const;

 private:
  PlanProblem() = default;

  std::vector<Node> nodes_;
  std::vector<ResourceVector> capacity_;
  std::vector<Task> tasks_;
  std::vector<int64_t> durations_;
  std::vector<std::vector<size_t>> eligible_nodes_;
  std::vector<std::vector<size_t>> predecessors_;
  std::vector<std::vector<size_t>> successors_;
  std::vector<size_t> topological_order_;
};

// One replica of a task on a node over [start_ms, end_ms).
struct PlannedReplica {
  size_t task = 0;
  int replica = 0;
  size_t node = 0;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};

struct Plan {
  std::vector<PlannedReplica> replicas;
};

enum class PlanObjective { kMakespan, kWeightedCompletion };

std::string_view plan_objective_name(PlanObjective objective);
Result<PlanObjective> parse_plan_objective(std::string_view name);

// Completion time of each task (the end of its last replica; 0 for a task not in the plan).
std::vector<int64_t> completion_times(size_t task_count, const Plan& plan);
int64_t plan_makespan(const Plan& plan);
// Makespan in ms, or the sum over tasks of task_weight x completion time in ms.
double plan_objective(std::span<const Task> tasks, const Plan& plan, PlanObjective objective);

// Lays the replicas of `plan` out again with each one's true duration on its node (for a plan
// made on a problem whose durations were rounded up); starts are kept, so it stays valid.
Plan with_true_durations(const PlanProblem& problem, Plan plan);

// Sorted by start, then task, then replica: the order plans are printed and compared in.
void sort_plan(Plan& plan);

}  // namespace fulcrum
