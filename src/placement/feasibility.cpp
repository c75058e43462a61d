#include "placement/feasibility.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fulcrum {

std::string node_class(const Node& node) { return node.has_gpus() ? node.gpu_model : "cpu"; }

int64_t duration_on(const Task& task, const Node& node) {
  auto found = task.speed.find(node_class(node));
  if (found == task.speed.end()) return task.estimated_duration_ms;
  return static_cast<int64_t>(
      std::ceil(static_cast<double>(task.estimated_duration_ms) / found->second - 1e-9));
}

double task_weight(const Task& task) { return std::max(1, task.priority); }

bool node_can_run(const Node& node, const Task& task) {
  if (!node.schedulable()) return false;
  if (task.needs_gpu() && !node.has_gpus()) return false;
  if (!task.gpu_model.empty() && node.gpu_model != task.gpu_model) return false;
  return task.demand.fits_in(node.free());
}

int64_t max_copies_on(const ResourceVector& demand, const ResourceVector& free) {
  int64_t copies = std::numeric_limits<int64_t>::max();
  auto limit = [&copies](int64_t need, int64_t have) {
    if (need > 0) copies = std::min(copies, have / need);
  };
  limit(demand.cpu_millis, free.cpu_millis);
  limit(demand.memory_bytes, free.memory_bytes);
  limit(demand.gpu_milli, free.gpu_milli);
  for (const auto& [name, amount] : demand.extended) limit(amount, free.extended_amount(name));
  return copies;
}

Status check_task_placeable(const Task& task, std::span<const Node> nodes) {
  int64_t copies = 0;
  bool runs_somewhere = false;
  bool model_exists = false;
  for (const Node& node : nodes) {
    model_exists |= node.schedulable() && (!task.needs_gpu() || node.has_gpus()) &&
                    task.accepts_gpu_model(node.gpu_model);
    if (!node_can_run(node, task)) continue;
    runs_somewhere = true;
    if (copies < task.replicas)
      copies += std::min<int64_t>(max_copies_on(task.demand, node.free()), task.replicas);
  }
  if (!runs_somewhere) {
    std::string family = model_exists ? "capacity" : "gpu model";
    std::string detail = model_exists ? "no node has " + task.demand.to_string() + " free"
                                      : "no up node has GPU model \"" + task.gpu_model + "\"";
    return {ErrorCode::kResourceExhausted,
            family + ": task " + task.id + " cannot run anywhere: " + detail};
  }
  if (copies < task.replicas) {
    return {ErrorCode::kResourceExhausted,
            "gang: task " + task.id + " needs " + std::to_string(task.replicas) +
                " replicas at once, the cluster holds " + std::to_string(copies)};
  }
  return Status::ok_status();
}

}  // namespace fulcrum
