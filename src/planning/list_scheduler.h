// Serial list scheduling, the engine under the greedy, HEFT and annealing planners: tasks are
// taken one at a time, always the ready task (every predecessor placed) with the highest key, and
// each is put at the earliest time its node has room for its whole duration, even in a gap left
// between tasks placed earlier (insertion). Gang replicas start together.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "planning/plan.h"

namespace fulcrum {

enum class NodeRule {
  kEarliestStart,   // the node where the task can start first (ties: earlier finish)
  kEarliestFinish,  // the node where the task finishes first (HEFT)
};

struct ListScheduleOptions {
  NodeRule rule = NodeRule::kEarliestFinish;
  // Per task: a node the task must run on (single-replica tasks only), or nullopt.
  std::vector<std::optional<size_t>> pinned_node;
};

// The plan, or an error naming the task that cannot be placed and why ("gpu model", "capacity",
// "gang"). `keys` has one entry per task; higher is scheduled first among ready tasks.
Result<Plan> list_schedule(const PlanProblem& problem, const std::vector<double>& keys,
                           const ListScheduleOptions& options);

// Why a task can never be placed, naming the constraint family ("gpu model: T5 needs ..."), or
// an ok status when every task has some node that can run one replica and every gang fits the
// cluster's free capacity.
Status check_plannable(const PlanProblem& problem);

}  // namespace fulcrum
