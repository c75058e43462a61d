// What the scheduler keeps about each task and node beyond the core types, and the event that
// records every change of state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/cluster.h"
#include "core/task.h"
#include "store/store.h"

namespace fulcrum {

// pending -> waiting (for dependencies) -> queued -> placed -> running -> succeeded / failed /
// cancelled; a failed attempt or a lost node goes back to queued with attempt + 1.
enum class TaskState {
  kPending,
  kWaiting,
  kQueued,
  kPlaced,
  kRunning,
  kSucceeded,
  kFailed,
  kCancelled,
};

std::string_view task_state_name(TaskState state);
std::optional<TaskState> parse_task_state(std::string_view name);
bool is_terminal(TaskState state);
// Placed or running: the task holds resources on nodes.
bool holds_resources(TaskState state);

// Time spent queued and running, preemptions and requeues, over all attempts (not persisted).
struct TaskTotals {
  Nanos queued{0};
  Nanos ran{0};
  int preemptions = 0;
  int requeues = 0;  // back to the queue for a lost node, a drain or a failed attempt
};

struct TaskRecord {
  Task spec;
  TaskState state = TaskState::kPending;
  int attempt = 1;  // 1-based; raised on every retry
  int max_attempts = 3;
  std::vector<Assignment> assignments;  // where the replicas run while placed or running
  std::string reason;                   // why the last transition happened
  std::string waiting_reason;           // why a queued task does not fit now (not persisted)
  std::optional<int> exit_code;
  int64_t submitted_ms = 0;
  int64_t updated_ms = 0;
  int64_t started_ms = 0;
  int64_t finished_ms = 0;
  int unfinished_dependencies = 0;  // derived from the graph, not persisted
  TaskTotals totals;
  Nanos state_since{0};       // when the current state began (not persisted)
  Nanos expected_end{0};      // placed or running: its start + estimate (easy_backfill)
  std::string unschedulable;  // why no node could ever hold it, when accepted anyway
  uint32_t core_index = 0;    // where SchedulerCore keeps it (not persisted)
};

// Node utilization as the node reports it with its heartbeats, each in [0, 1].
struct Utilization {
  double cpu = 0;
  double memory = 0;
  double gpu = 0;
};

// What the scheduler knows of a node beyond core Node (which lives in the Cluster).
struct NodeRecord {
  int64_t registered_ms = 0;
  // Nodes that have sent a heartbeat are watched: missing heartbeats for the timeout takes them
  // down. Nodes that never sent one (config slices of this machine) are not.
  std::optional<int64_t> last_heartbeat_ms;
  bool down_by_timeout = false;
  std::optional<Utilization> utilization;
};

// Every change of state is an event, persisted as the store's event row.
using Event = StoredEvent;

}  // namespace fulcrum
