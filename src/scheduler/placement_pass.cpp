#include "scheduler/placement_pass.h"

namespace fulcrum {

PlacementPass::Shape PlacementPass::shape_of(const Task& task) const {
  return {task.demand.cpu_millis,
          task.demand.memory_bytes,
          task.demand.gpu_milli,
          task.gpu_model,
          task.replicas,
          {task.demand.extended.begin(), task.demand.extended.end()},
          shape_includes_priority_ ? task.priority : 0};
}

Placement PlacementPass::offer(Placer& placer, Cluster& cluster, const Task& task) {
  Placement placement = placer.place(cluster, std::span<const Task>(&task, 1));
  if (!placement.all_placed()) mark_not_fitting(task);
  return placement;
}

}  // namespace fulcrum
