#include "placement/placer.h"

#include <algorithm>

namespace fulcrum {

std::optional<size_t> Placer::choose_for_replica(const Cluster& cluster, const Task& task) {
  if (task.needs_gpu()) return choose_node(cluster, task, NodePool::kGpu);
  if (auto node = choose_node(cluster, task, NodePool::kCpuOnly)) return node;
  return choose_node(cluster, task, NodePool::kGpu);
}

std::optional<std::vector<int>> Placer::choose_gpu_devices(const Cluster& cluster,
                                                           size_t node_index, const Task& task) {
  return cluster.node(node_index).gpus.choose(task.demand.gpu_milli);
}

Placement Placer::place(Cluster& cluster, std::span<const Task> tasks) {
  Placement placement;
  for (const Task& task : tasks) {
    std::vector<Assignment> gang;
    for (int replica = 0; replica < std::max(task.replicas, 1); ++replica) {
      auto node_index = choose_for_replica(cluster, task);
      if (!node_index) break;
      auto devices = choose_gpu_devices(cluster, *node_index, task);
      if (!devices) break;
      auto assignment = cluster.allocate_on(*node_index, task, std::move(*devices), replica);
      if (!assignment) break;
      gang.push_back(std::move(*assignment));
    }
    if (static_cast<int>(gang.size()) == std::max(task.replicas, 1)) {
      for (Assignment& assignment : gang) placement.assignments.push_back(std::move(assignment));
      continue;
    }
    // The reason is computed before the partial gang is released, so it tells how far it got.
    std::string reason = explain_unplaceable(cluster, task);
    if (!gang.empty()) {
      reason = "gang of " + std::to_string(task.replicas) + " replicas: only " +
               std::to_string(gang.size()) + " fit; " + reason;
    }
    for (const Assignment& assignment : gang) cluster.release(assignment);
    placement.unplaced.push_back({task.id, std::move(reason)});
  }
  return placement;
}

}  // namespace fulcrum
