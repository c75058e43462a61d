#include "planning/plan_validator.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>

#include "core/yaml_reader.h"

namespace fulcrum {

namespace {

Status violation(const std::string& family, const std::string& detail) {
  return {ErrorCode::kFailedPrecondition, family + ": " + detail};
}

std::string at_ms(int64_t time_ms) { return "t=" + std::to_string(time_ms) + "ms"; }

Status check_gangs(std::span<const Task> tasks, const Plan& plan) {
  std::vector<std::vector<const PlannedReplica*>> by_task(tasks.size());
  for (const PlannedReplica& replica : plan.replicas) {
    if (replica.task >= tasks.size()) {
      return violation("gang", "replica of unknown task index " + std::to_string(replica.task));
    }
    by_task[replica.task].push_back(&replica);
  }
  for (size_t task = 0; task < tasks.size(); ++task) {
    const std::vector<const PlannedReplica*>& replicas = by_task[task];
    if (static_cast<int>(replicas.size()) != tasks[task].replicas) {
      return violation("gang", tasks[task].id + " has " + std::to_string(replicas.size()) +
                                   " replicas planned, needs " +
                                   std::to_string(tasks[task].replicas));
    }
    std::vector<bool> seen(replicas.size(), false);
    for (const PlannedReplica* replica : replicas) {
      if (replica->replica < 0 || static_cast<size_t>(replica->replica) >= seen.size() ||
          seen[replica->replica]) {
        return violation("gang", tasks[task].id + " has replica number " +
                                     std::to_string(replica->replica) + " twice or out of range");
      }
      seen[replica->replica] = true;
      if (replica->start_ms != replicas.front()->start_ms) {
        return violation("gang", tasks[task].id + " replicas start at " +
                                     at_ms(replicas.front()->start_ms) + " and " +
                                     at_ms(replica->start_ms));
      }
    }
  }
  return Status::ok_status();
}

Status check_nodes_and_durations(const Cluster& cluster, std::span<const Task> tasks,
                                 const Plan& plan) {
  for (const PlannedReplica& replica : plan.replicas) {
    const Task& task = tasks[replica.task];
    if (replica.node >= cluster.size()) {
      return violation("gpu model",
                       task.id + " is on unknown node index " + std::to_string(replica.node));
    }
    const Node& node = cluster.node(replica.node);
    if (!node.schedulable()) {
      return violation("gpu model", task.id + " is on node " + node.id + ", which is " +
                                        std::string(node_state_name(node.state)));
    }
    bool model_ok =
        (!task.needs_gpu() || node.has_gpus()) && task.accepts_gpu_model(node.gpu_model);
    if (!model_ok) {
      return violation("gpu model", task.id + " needs GPU model \"" + task.gpu_model + "\", node " +
                                        node.id + " has \"" + node.gpu_model + "\"");
    }
    if (replica.start_ms < 0 || replica.end_ms - replica.start_ms < duration_on(task, node)) {
      return violation("duration", task.id + " runs " +
                                       std::to_string(replica.end_ms - replica.start_ms) +
                                       "ms on " + node.id + ", needs " +
                                       std::to_string(duration_on(task, node)) + "ms");
    }
  }
  return Status::ok_status();
}

Status check_precedence(std::span<const Task> tasks, const Plan& plan) {
  std::unordered_map<std::string_view, size_t> index_by_id;
  for (size_t task = 0; task < tasks.size(); ++task) index_by_id[tasks[task].id] = task;
  std::vector<int64_t> start(tasks.size(), 0);
  std::vector<int64_t> end(tasks.size(), 0);
  for (const PlannedReplica& replica : plan.replicas) {
    start[replica.task] = replica.start_ms;
    end[replica.task] = std::max(end[replica.task], replica.end_ms);
  }
  for (size_t task = 0; task < tasks.size(); ++task) {
    for (const std::string& dependency : tasks[task].depends_on) {
      auto found = index_by_id.find(dependency);
      if (found == index_by_id.end()) continue;
      if (start[task] < end[found->second]) {
        return violation("precedence", tasks[task].id + " starts at " + at_ms(start[task]) +
                                           " before " + dependency + " ends at " +
                                           at_ms(end[found->second]));
      }
    }
  }
  return Status::ok_status();
}

// The dimension of `usage` above `free`, or empty when all fit.
std::string exceeded_dimension(const ResourceVector& usage, const ResourceVector& free) {
  if (usage.cpu_millis > free.cpu_millis) return "cpu";
  if (usage.memory_bytes > free.memory_bytes) return "memory";
  if (usage.gpu_milli > free.gpu_milli) return "gpu";
  for (const auto& [name, amount] : usage.extended) {
    if (amount > free.extended_amount(name)) return name;
  }
  return "";
}

Status check_capacity(const Cluster& cluster, std::span<const Task> tasks, const Plan& plan) {
  // Events per node: (time, +1 start / -1 end, task); ends sort before starts at the same time.
  std::map<size_t, std::vector<std::tuple<int64_t, int, size_t>>> events;
  for (const PlannedReplica& replica : plan.replicas) {
    events[replica.node].emplace_back(replica.start_ms, 1, replica.task);
    events[replica.node].emplace_back(replica.end_ms, -1, replica.task);
  }
  for (auto& [node_index, node_events] : events) {
    std::sort(node_events.begin(), node_events.end());
    const Node& node = cluster.node(node_index);
    ResourceVector free = node.free();
    ResourceVector usage;
    for (const auto& [time_ms, kind, task] : node_events) {
      if (kind < 0) {
        usage -= tasks[task].demand;
        continue;
      }
      usage += tasks[task].demand;
      std::string dimension = exceeded_dimension(usage, free);
      if (!dimension.empty()) {
        return violation("capacity", "node " + node.id + " at " + at_ms(time_ms) + ": " +
                                         usage.to_string() + " > " + free.to_string() + " free (" +
                                         dimension + ")");
      }
    }
  }
  return Status::ok_status();
}

}  // namespace

Status validate_plan(const Cluster& cluster, std::span<const Task> tasks, const Plan& plan) {
  FULCRUM_RETURN_IF_ERROR(check_gangs(tasks, plan));
  FULCRUM_RETURN_IF_ERROR(check_nodes_and_durations(cluster, tasks, plan));
  FULCRUM_RETURN_IF_ERROR(check_precedence(tasks, plan));
  return check_capacity(cluster, tasks, plan);
}

}  // namespace fulcrum
